/**
 * The floor the API is measured against: GET and PATCH /v1/keywords on plain `http` and a `pg`
 * pool, with no framework, no validation library, no ORM and no logger. It does the work the
 * API cannot skip: the same SQL, the same API-key lookup and cache, the same per-item checks
 * and the same response bodies (the benchmark compares them byte for byte before measuring).
 */
import { createHash } from 'crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'http';
import type { AddressInfo } from 'net';
import { Pool, type PoolClient } from 'pg';
import { from as copyFromStdin } from 'pg-copy-streams';
import { Readable } from 'stream';
import { pipeline } from 'stream/promises';
// The response mapping is a plain function; sharing it keeps the two bodies identical by construction.
import { toKeywordResponse } from '../apps/api/src/keywords/dto/keyword.dto';
import {
  type Advertiser,
  AdvertisersRepository,
  cnyToFen,
  type Db,
  decodeCursor,
  DEFAULT_LIMIT,
  type FieldError,
  fenToCny,
  hasAtMostTwoDecimals,
  isUuid,
  KEYWORD_STATUSES,
  type KeywordChange,
  type KeywordStatus,
  hourStart,
  KeywordsRepository,
  OptimizationRepository,
  type KeywordWithPlan,
  LIMITS,
  MAX_LIMIT,
  toPage,
  type Tx,
} from '@kuaiche/domain';

export interface BareServer {
  port: number;
  close(): Promise<void>;
}

/** Same as ApiKeyGuard, so neither side pays a database round trip per request for auth. */
const AUTH_CACHE_TTL_MS = 30_000;
const BODY_LIMIT_BYTES = 20 * 1024 * 1024;
const LIST_PARAMS = new Set(['unitId', 'planId', 'status', 'limit', 'cursor']);
const ITEM_FIELDS = new Set(['id', 'bid', 'status', 'locked', 'version']);

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: FieldError[],
  ) {
    super(message);
  }
}

/**
 * The repositories on a bare pg pool. `Db.rows`/`Db.one` are the only seam they use, so the bare
 * handler runs exactly the statements the API runs (no copied SQL to drift) with TypeORM out of
 * the way; a transaction is a checked-out PoolClient passed where the repositories expect a Tx.
 */
function pgDb(pool: Pool): Db {
  const rows = async <T>(sql: string, params: unknown[] = [], tx?: Tx): Promise<T[]> => {
    const client = tx as unknown as PoolClient | undefined;
    const r = client ? await client.query(sql, params) : await pool.query(sql, params);
    return r.rows as T[];
  };
  const one = async <T>(sql: string, params: unknown[] = [], tx?: Tx): Promise<T | null> => (await rows<T>(sql, params, tx))[0] ?? null;
  const copyFrom = async (sql: string, lines: string[], tx: Tx): Promise<void> => {
    await pipeline(Readable.from([lines.join('')]), (tx as unknown as PoolClient).query(copyFromStdin(sql)));
  };
  return { rows, one, copyFrom } as unknown as Db;
}

interface UpdateItem {
  id: string;
  bid?: number;
  status?: KeywordStatus;
  locked?: boolean;
  version?: number;
}

/** The checks BulkUpdateKeywordItemDto declares, written out by hand. */
function parseItem(raw: unknown, at: string): { value?: UpdateItem; errors: FieldError[] } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { errors: [{ path: at, message: 'must be an object' }] };
  const o = raw as Record<string, unknown>;
  const errors: FieldError[] = [];
  for (const k of Object.keys(o)) if (!ITEM_FIELDS.has(k)) errors.push({ path: `${at}.${k}`, message: `unknown field ${k}` });
  if (!isUuid(o.id)) errors.push({ path: `${at}.id`, message: 'id must be a UUID' });
  if (o.bid !== undefined && !(typeof o.bid === 'number' && hasAtMostTwoDecimals(o.bid) && o.bid >= 0.3 && o.bid <= 999.99)) {
    errors.push({ path: `${at}.bid`, message: 'bid must be a number between 0.30 and 999.99 with at most 2 decimals' });
  }
  if (o.status !== undefined && !KEYWORD_STATUSES.includes(o.status as KeywordStatus)) {
    errors.push({ path: `${at}.status`, message: `status must be one of ${KEYWORD_STATUSES.join(', ')}` });
  }
  if (o.locked !== undefined && typeof o.locked !== 'boolean') errors.push({ path: `${at}.locked`, message: 'locked must be a boolean' });
  if (o.version !== undefined && !(Number.isInteger(o.version) && (o.version as number) >= 1)) {
    errors.push({ path: `${at}.version`, message: 'version must be an integer of at least 1' });
  }
  return errors.length ? { errors } : { value: o as unknown as UpdateItem, errors };
}

function bidRangeMessage(minFen: number, maxFen: number): string {
  return `bid must be within the plan's range ${fenToCny(minFen).toFixed(2)}-${fenToCny(maxFen).toFixed(2)}`;
}

/** KeywordsService.change, minus the parts a { bid } item never reaches. */
function change(k: KeywordWithPlan, item: UpdateItem, prefix: string): { change: KeywordChange } | { errors: FieldError[] } | { conflict: string } {
  if (k.status === 'deleted') return { conflict: 'keyword is deleted' };
  if (k.planStatus === 'archived') return { conflict: 'plan is archived' };
  const bidFen = item.bid === undefined ? k.bidFen : cnyToFen(item.bid);
  if (item.bid !== undefined && (bidFen < k.minBidFen || bidFen > k.maxBidFen)) {
    return { errors: [{ path: `${prefix}bid`, message: bidRangeMessage(k.minBidFen, k.maxBidFen) }] };
  }
  return {
    change: {
      id: k.id,
      bidFen,
      status: item.status ?? k.status,
      locked: item.locked ?? k.locked,
      suggestedBidFen: k.suggestedBidFen,
      qualityScore: k.qualityScore,
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json; charset=utf-8'): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > BODY_LIMIT_BYTES) {
        reject(new HttpError(413, 'body exceeds 20 MB'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseAtomic(query: URLSearchParams): boolean {
  const raw = query.get('atomic');
  if (raw === null) return false;
  if (raw !== 'true' && raw !== 'false') throw new HttpError(400, 'atomic must be true or false');
  return raw === 'true';
}

export async function startBareServer(opts: { databaseUrl: string; poolSize: number }): Promise<BareServer> {
  const pool = new Pool({ connectionString: opts.databaseUrl, max: opts.poolSize, application_name: 'kuaiche-pilot-bench-bare' });
  const db = pgDb(pool);
  const advertisers = new AdvertisersRepository(db);
  const keywords = new KeywordsRepository(db);
  const optimization = new OptimizationRepository(db);
  const authCache = new Map<string, { advertiser: Advertiser; until: number }>();

  async function authenticate(req: IncomingMessage): Promise<Advertiser> {
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw new HttpError(401, 'send Authorization: Bearer <apiKey>');
    const hash = createHash('sha256').update(match[1], 'utf8').digest();
    const cacheKey = hash.toString('base64');
    const now = Date.now();
    const hit = authCache.get(cacheKey);
    if (hit && hit.until > now) return hit.advertiser;
    const advertiser = await advertisers.findByApiKeyHash(hash);
    if (!advertiser) throw new HttpError(401, 'invalid API key');
    if (authCache.size > 10_000) authCache.clear();
    authCache.set(cacheKey, { advertiser, until: now + AUTH_CACHE_TTL_MS });
    return advertiser;
  }

  async function list(advertiser: Advertiser, query: URLSearchParams, res: ServerResponse): Promise<void> {
    const errors: FieldError[] = [];
    for (const k of query.keys()) if (!LIST_PARAMS.has(k)) errors.push({ path: k, message: `unknown field ${k}` });
    const unitId = query.get('unitId') ?? undefined;
    const planId = query.get('planId') ?? undefined;
    const status = query.get('status') ?? undefined;
    const rawLimit = query.get('limit');
    if (unitId !== undefined && !isUuid(unitId)) errors.push({ path: 'unitId', message: 'unitId must be a UUID' });
    if (planId !== undefined && !isUuid(planId)) errors.push({ path: 'planId', message: 'planId must be a UUID' });
    if (status !== undefined && !KEYWORD_STATUSES.includes(status as KeywordStatus)) errors.push({ path: 'status', message: 'status is not a keyword status' });
    const limit = rawLimit === null ? DEFAULT_LIMIT : /^\d+$/.test(rawLimit) ? Number(rawLimit) : NaN;
    if (!(limit >= 1 && limit <= MAX_LIMIT)) errors.push({ path: 'limit', message: `limit must be an integer from 1 to ${MAX_LIMIT}` });
    const afterId = decodeCursor(query.get('cursor') ?? undefined);
    if (afterId === null) errors.push({ path: 'cursor', message: 'cursor is not valid; pass nextCursor from a previous page' });
    if (errors.length) throw new HttpError(400, 'request is invalid', errors);

    const rows = await keywords.list(advertiser.id, { planId, unitId, status: status as KeywordStatus | undefined, afterId: afterId ?? undefined, limit });
    send(res, 200, toPage(rows, limit, toKeywordResponse));
  }

  /** KeywordsService.updateMany: validate every item, then one transaction with one lock and one UPDATE. */
  async function updateMany(advertiser: Advertiser, query: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const atomic = parseAtomic(query);
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) throw new HttpError(415, 'send Content-Type: application/json');
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch (err) {
      if (err instanceof HttpError) throw err;
      throw new HttpError(400, 'body is not valid JSON');
    }
    const o = body as { items?: unknown } | null;
    if (o === null || typeof o !== 'object' || Array.isArray(o) || Object.keys(o).some((k) => k !== 'items') || !Array.isArray(o.items)) {
      throw new HttpError(400, 'body must be { items: [...] }');
    }
    if (o.items.length < 1 || o.items.length > LIMITS.bulkItems) throw new HttpError(400, `items must hold 1 to ${LIMITS.bulkItems} entries`);
    const parsed = o.items.map((raw, i) => parseItem(raw, `items[${i}]`));

    const client = await pool.connect();
    const tx = client as unknown as Tx;
    try {
      await client.query('BEGIN');
      const ids = [...new Set(parsed.flatMap((p) => (p.value ? [p.value.id.toLowerCase()] : [])))];
      const current = new Map((await keywords.lockWithPlans(advertiser.id, ids, tx)).map((k) => [k.id, k]));
      const seen = new Set<string>();
      const changes: KeywordChange[] = [];
      const results = parsed.map((p, index) => {
        const fail = (errors: FieldError[]) => ({ index, ok: false as const, errors });
        if (!p.value) return fail(p.errors);
        const at = `items[${index}]`;
        const id = p.value.id.toLowerCase();
        const k = current.get(id);
        if (!k) return fail([{ path: `${at}.id`, message: 'keyword not found' }]);
        if (seen.has(id)) return fail([{ path: `${at}.id`, message: 'the same keyword appears twice in this request' }]);
        seen.add(id);
        if (p.value.version !== undefined && p.value.version !== k.version) {
          return fail([{ path: `${at}.version`, message: `keyword is at version ${k.version}, not ${p.value.version}` }]);
        }
        const r = change(k, p.value, `${at}.`);
        if ('conflict' in r) return fail([{ path: at, message: r.conflict }]);
        if ('errors' in r) return fail(r.errors);
        changes.push(r.change);
        return { index, ok: true as const, id };
      });
      const failed = results.flatMap((r) => (r.ok ? [] : r.errors));
      if (atomic && failed.length) throw new HttpError(400, 'one or more items are invalid', failed);
      await keywords.updateMany(advertiser.id, changes, tx);
      // KeywordsService's audit of the seller's own bid changes (source manual), as the API writes it.
      const moved = changes.flatMap((c) => {
        const k = current.get(c.id)!;
        return k.bidFen !== c.bidFen ? [{ planId: k.planId, keywordId: k.id, oldBidFen: k.bidFen, newBidFen: c.bidFen, reason: { summary: 'set by hand through PATCH /v1/keywords' } }] : [];
      });
      await optimization.insertBidChanges(advertiser.id, hourStart(Date.now()), 'manual', null, moved, tx);
      await client.query('COMMIT');
      send(res, 200, { results });
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const path = q === -1 ? url : url.slice(0, q);
      const query = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
      if (path !== '/v1/keywords' || (req.method !== 'GET' && req.method !== 'PATCH')) throw new HttpError(404, `no route ${req.method} ${path}`);
      const advertiser = await authenticate(req);
      if (req.method === 'GET') await list(advertiser, query, res);
      else await updateMany(advertiser, query, req, res);
    } catch (err) {
      const e = err instanceof HttpError ? err : new HttpError(500, (err as Error).message);
      if (e.status === 500) console.error('[bare]', err);
      if (!res.headersSent) send(res, e.status, { type: 'about:blank', title: 'Error', status: e.status, detail: e.message, errors: e.errors }, 'application/problem+json');
      else res.destroy();
    }
  }

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
    },
  };
}
