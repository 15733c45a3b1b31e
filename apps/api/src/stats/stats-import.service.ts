import { Injectable } from '@nestjs/common';
import {
  type Advertiser,
  Db,
  type HourlyStatRow,
  StatsIngestion,
  StatsRepository,
  type Tx,
  zonedHourToUtc,
} from '@kuaiche/domain';
import { parse } from 'csv-parse';
import iconv from 'iconv-lite';
import type { Readable } from 'stream';
import { ProblemException } from '../common/problem';
import { columnName, type HeaderMap, type ImportField, mapHeader, parseCount, parseDate, parseHour, parseMatchType, parseMoneyFen } from './report-import';
import { latestAcceptedHour } from './stats.service';

export interface ImportLineError {
  line: number;
  column: string | null;
  message: string;
}

export interface ImportResult {
  applied: boolean;
  linesRead: number;
  rowsApplied: number;
  linesRejected: number;
  errors: ImportLineError[];
  /** More errors than are listed. */
  errorsTruncated: boolean;
}

const BATCH = 5_000;
const MAX_LISTED_ERRORS = 1_000;
const MAX_BYTES = 512 * 1024 * 1024;
const SUPPORTED: Record<string, string> = { 'utf-8': 'utf8', utf8: 'utf8', gb18030: 'gb18030', gbk: 'gb18030', gb2312: 'gb18030' };

/** Thrown inside the transaction to roll an all-or-nothing import back. */
class RejectedImport extends Error {
  constructor(readonly result: ImportResult) {
    super('import rejected');
  }
}

/**
 * Picks the decoder: the charset parameter when given, else UTF-8 if the first bytes are valid
 * UTF-8 (with or without BOM), else GB18030, which the platform's exports often are.
 */
export function detectEncoding(first: Buffer, declared?: string): string {
  if (declared) return declared;
  if (first[0] === 0xef && first[1] === 0xbb && first[2] === 0xbf) return 'utf8';
  try {
    // stream: a multi-byte character cut at the end of the chunk is incomplete, not invalid.
    new TextDecoder('utf-8', { fatal: true }).decode(first, { stream: true });
    return 'utf8';
  } catch {
    return 'gb18030';
  }
}

/** Reads the first chunk (for detection) and gives back a stream that still starts with it. */
async function peek(stream: Readable): Promise<{ first: Buffer; rest: AsyncIterable<Buffer> }> {
  const it = stream[Symbol.asyncIterator]();
  const head = await it.next();
  const first = head.done ? Buffer.alloc(0) : Buffer.from(head.value as Buffer);
  async function* rest(): AsyncIterable<Buffer> {
    if (first.length) yield first;
    for (;;) {
      const n = await it.next();
      if (n.done) return;
      yield Buffer.from(n.value as Buffer);
    }
  }
  return { first, rest: rest() };
}

@Injectable()
export class StatsImportService {
  constructor(
    private readonly db: Db,
    private readonly stats: StatsRepository,
    private readonly ingestion: StatsIngestion,
  ) {}

  /**
   * Streams a Kuaiche keyword report (CSV) into the hourly facts. Lines are matched to
   * keywords by plan name + unit name + keyword text (+ match type when the file has it).
   * By default the file applies all or nothing (one transaction); `partial` applies the good
   * lines. The file is never held whole in memory: rows go to Postgres in batches as they
   * are parsed, inside the transaction. After the commit, as for `POST /v1/stats/hourly`, the
   * alert rules are queued for the hour after the latest hour applied.
   */
  async import(advertiser: Advertiser, body: Readable, contentType: string | undefined, partial: boolean, nowMs: number): Promise<ImportResult> {
    const [mediaType, ...params] = (contentType ?? '').split(';').map((s) => s.trim().toLowerCase());
    if (!['text/csv', 'application/csv', 'text/plain'].includes(mediaType)) {
      throw new ProblemException(415, 'Unsupported Media Type', 'send the report as text/csv');
    }
    const charsetParam = params.find((p) => p.startsWith('charset='))?.slice(8).replace(/"/g, '');
    if (charsetParam && !SUPPORTED[charsetParam]) {
      throw new ProblemException(415, 'Unsupported Media Type', `charset ${charsetParam} is not supported; use UTF-8 or GB18030`);
    }
    const { first, rest } = await peek(body);
    const encoding = detectEncoding(first, charsetParam ? SUPPORTED[charsetParam] : undefined);

    let bytes = 0;
    async function* limited(): AsyncIterable<Buffer> {
      for await (const chunk of rest) {
        bytes += chunk.length;
        if (bytes > MAX_BYTES) throw new ProblemException(413, 'Content Too Large', `a report file may be at most ${MAX_BYTES / 1024 / 1024} MB`);
        yield chunk;
      }
    }
    const decoder = iconv.getDecoder(encoding, { stripBOM: true });
    const parser = parse({ bom: true, relax_column_count: true, skip_empty_lines: true, trim: true, info: true });
    // The consumer sees parse errors through its iterator; this keeps an error raised after it
    // stopped listening (the end of a rejected file) from crashing the process.
    parser.on('error', () => undefined);
    const source = (async () => {
      for await (const chunk of limited()) {
        const text = decoder.write(chunk);
        if (parser.destroyed) return;
        if (text && !parser.write(text)) {
          await new Promise<void>((resolve) => {
            const done = () => {
              parser.off('drain', done);
              parser.off('close', done);
              resolve();
            };
            parser.once('drain', done);
            parser.once('close', done);
          });
        }
      }
      const tail = decoder.end();
      if (tail) parser.write(tail);
      parser.end();
    })();
    source.catch((err) => parser.destroy(err));

    // The latest hour written, set only by rows that reached Postgres.
    const written = { latestHourMs: -Infinity };
    try {
      const result = await this.db.tx(async (tx) => {
        await this.stats.lockAdvertiser(advertiser.id, tx);
        const result = await this.consume(advertiser, parser as AsyncIterable<{ record: string[]; info: { lines: number } }>, tx, partial, nowMs, written);
        await source;
        if (!partial && result.linesRejected > 0) throw new RejectedImport({ ...result, applied: false, rowsApplied: 0 });
        return result;
      });
      // After the commit: the same evaluation as POST /v1/stats/hourly queues.
      if (result.rowsApplied > 0 && Number.isFinite(written.latestHourMs)) await this.ingestion.evaluateAfter(advertiser.id, written.latestHourMs);
      return result;
    } catch (err) {
      parser.destroy();
      if (err instanceof RejectedImport) return err.result;
      const e = err as { code?: string; message?: string; lines?: number };
      if (typeof e.code === 'string' && e.code.startsWith('CSV_')) {
        // Malformed CSV (an unclosed quote, say): nothing after it can be trusted.
        return { applied: false, linesRead: e.lines ?? 0, rowsApplied: 0, linesRejected: 1, errors: [{ line: e.lines ?? 0, column: null, message: `malformed CSV: ${e.message}` }], errorsTruncated: false };
      }
      throw err;
    }
  }

  private async consume(
    advertiser: Advertiser,
    records: AsyncIterable<{ record: string[]; info: { lines: number } }>,
    tx: Tx,
    partial: boolean,
    nowMs: number,
    written: { latestHourMs: number },
  ): Promise<ImportResult> {
    const keywords = await this.stats.keywordsByNames(advertiser.id, tx);
    const byFull = new Map<string, (typeof keywords)[number]>();
    const byText = new Map<string, (typeof keywords)[number][]>();
    for (const k of keywords) {
      byFull.set(`${k.planName}\u0000${k.unitName}\u0000${k.text}\u0000${k.matchType}`, k);
      const key = `${k.planName}\u0000${k.unitName}\u0000${k.text}`;
      const same = byText.get(key);
      if (same) same.push(k);
      else byText.set(key, [k]);
    }
    const latest = latestAcceptedHour(advertiser, nowMs);
    const result: ImportResult = { applied: true, linesRead: 0, rowsApplied: 0, linesRejected: 0, errors: [], errorsTruncated: false };
    const reject = (line: number, column: string | null, message: string) => {
      if (result.errors.length < MAX_LISTED_ERRORS) result.errors.push({ line, column, message });
      else result.errorsTruncated = true;
    };
    let header: HeaderMap | undefined;
    // Within a batch a later line for the same keyword and hour replaces an earlier one, as a
    // re-sent row does across batches.
    let batch = new Map<string, HourlyStatRow>();
    const flush = async () => {
      if (batch.size === 0) return;
      const rows = [...batch.values()];
      batch = new Map();
      // An all-or-nothing import that already failed writes nothing more.
      if (!partial && result.linesRejected > 0) return;
      await this.stats.upsert(advertiser.id, advertiser.timezone, rows, tx);
      result.rowsApplied += rows.length;
      for (const r of rows) written.latestHourMs = Math.max(written.latestHourMs, r.hour.getTime());
    };

    for await (const { record, info } of records) {
      const line = info.lines;
      if (!header) {
        const { map, missing } = mapHeader(record);
        if (missing.length) {
          throw new ProblemException(
            400,
            'Validation failed',
            `the header line is not a Kuaiche keyword report: ${missing.join('; ')}`,
            missing.map((message) => ({ path: `line ${line}`, message })),
          );
        }
        header = map;
        continue;
      }
      result.linesRead += 1;
      const cell = (f: ImportField) => (header!.index[f] === undefined ? undefined : (record[header!.index[f]!] ?? ''));
      const col = (f: ImportField) => header!.names[f] ?? columnName(f);
      const errs: [string, string][] = [];
      const date = parseDate(cell('date')!);
      if (!date) errs.push([col('date'), `not a date: "${cell('date')}" (use yyyy-MM-dd or yyyyMMdd)`]);
      const hourOfDay = parseHour(cell('hour')!);
      if (hourOfDay === undefined) errs.push([col('hour'), `not an hour 0-23: "${cell('hour')}"`]);
      const count = (f: ImportField) => {
        const raw = cell(f);
        if (raw === undefined) return 0;
        const v = parseCount(raw);
        if (v === undefined) errs.push([col(f), `not a whole number >= 0: "${raw}"`]);
        return v ?? 0;
      };
      const money = (f: ImportField) => {
        const raw = cell(f);
        if (raw === undefined) return 0;
        const v = parseMoneyFen(raw);
        if (v === undefined) errs.push([col(f), `not an amount >= 0 with at most 2 decimals: "${raw}"`]);
        return v ?? 0;
      };
      const impressions = count('impressions');
      const clicks = count('clicks');
      const costFen = money('cost');
      const orders = header.index.orders !== undefined ? count('orders') : count('directOrders') + count('indirectOrders');
      const gmvFen = header.index.gmv !== undefined ? money('gmv') : money('directGmv') + money('indirectGmv');
      if (clicks > impressions) errs.push([col('clicks'), 'clicks exceed impressions']);
      let avgPosition: number | null = null;
      const pos = cell('avgPosition');
      if (pos !== undefined && pos !== '' && pos !== '-') {
        const n = Number(pos);
        if (!Number.isFinite(n) || n < 1 || n > 1000) errs.push([col('avgPosition'), `not a position: "${pos}"`]);
        else avgPosition = n;
      }
      let keyword: (typeof keywords)[number] | undefined;
      const [plan, unit, text] = [cell('plan')!, cell('unit')!, cell('keyword')!];
      const rawMatch = cell('matchType');
      if (rawMatch !== undefined && rawMatch !== '') {
        const mt = parseMatchType(rawMatch);
        if (!mt) errs.push([col('matchType'), `unknown match type "${rawMatch}" (精确 / 短语 / 切词)`]);
        else keyword = byFull.get(`${plan}\u0000${unit}\u0000${text}\u0000${mt}`);
        if (mt && !keyword) errs.push([col('keyword'), `no keyword "${text}" (${mt}) in plan "${plan}", unit "${unit}"`]);
      } else {
        const candidates = byText.get(`${plan}\u0000${unit}\u0000${text}`) ?? [];
        if (candidates.length === 1) keyword = candidates[0];
        else if (candidates.length === 0) errs.push([col('keyword'), `no keyword "${text}" in plan "${plan}", unit "${unit}"`]);
        else errs.push([col('keyword'), `"${text}" exists with ${candidates.length} match types in that unit; add a 匹配方式 column`]);
      }
      let hour: Date | undefined;
      if (date && hourOfDay !== undefined) {
        hour = zonedHourToUtc(date, hourOfDay, advertiser.timezone);
        if (latest !== undefined && hour.getTime() > latest) errs.push([col('hour'), 'more than one hour in the future']);
      }
      if (errs.length || !keyword || !hour) {
        result.linesRejected += 1;
        for (const [c, m] of errs) reject(line, c, m);
        continue;
      }
      batch.set(`${keyword.id}|${hour.getTime()}`, {
        planId: keyword.planId,
        unitId: keyword.unitId,
        keywordId: keyword.id,
        creativeId: null,
        hour,
        impressions,
        clicks,
        costFen,
        orders,
        gmvFen,
        avgPosition,
      });
      if (batch.size >= BATCH) await flush();
    }
    if (!header) throw new ProblemException(400, 'Validation failed', 'the file is empty', [{ path: 'line 1', message: 'no header line' }]);
    await flush();
    result.applied = partial || result.linesRejected === 0;
    return result;
  }
}
