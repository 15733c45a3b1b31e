import type { Db, Tx } from '../db/db';
import { newId } from '../ids';
import { copyText, type RunFactors, shownReason, storedReason, storedReasonLines } from '../optimization/reason';
import type { BidExportRow } from '../platform/platform-adapter';

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'skipped'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export type RunTrigger = 'schedule' | 'api';
export const BID_CHANGE_SOURCES = ['optimizer', 'manual', 'rule'] as const;
export type BidChangeSource = (typeof BID_CHANGE_SOURCES)[number];

export interface OptimizationRun {
  id: string;
  advertiserId: string;
  planId: string;
  asOf: Date;
  status: RunStatus;
  trigger: RunTrigger;
  keywordsSeen: number;
  keywordsChanged: number;
  keywordsSkipped: number;
  durationMs: number | null;
  attempts: number;
  error: string | null;
  summary: Record<string, unknown> | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface BidChange {
  id: string;
  planId: string;
  keywordId: string;
  hour: Date;
  oldBidFen: number;
  newBidFen: number;
  source: BidChangeSource;
  runId: string | null;
  reason: Record<string, unknown>;
  createdAt: Date;
}

export interface NewBidChange {
  planId: string;
  keywordId: string;
  oldBidFen: number;
  newBidFen: number;
  reason: unknown;
}

const RUN_COLS = `id, advertiser_id AS "advertiserId", plan_id AS "planId", as_of AS "asOf", status, trigger,
  keywords_seen AS "keywordsSeen", keywords_changed AS "keywordsChanged", keywords_skipped AS "keywordsSkipped",
  duration_ms AS "durationMs", attempts, error, summary, created_at AS "createdAt", started_at AS "startedAt", finished_at AS "finishedAt"`;

/**
 * What `shownReason` needs from a stored optimizer explanation's run (its summary's plan-level
 * factors), from `r`, the run joined by `RUN_JOIN`.
 */
const RUN_FACTORS = `CASE WHEN json_typeof(c.reason) = 'array' THEN json_build_object('roiMultiplier', r.summary->'roiMultiplier',
    'budgetMultiplier', r.summary->'budgetMultiplier', 'binding', r.summary->'binding', 'scheduleMultiplier', r.summary->'scheduleMultiplier') END`;
const RUN_JOIN = `LEFT JOIN optimization_runs r ON r.id = c.run_id AND r.advertiser_id = c.advertiser_id`;

/**
 * SQL: `c`'s rows of optimizer run `run` (a uuid expression), found by the primary key within the
 * plan: their ids are the run's with the row's ordinal in the last 8 hex digits.
 */
export const runRows = (c: string, run: string) =>
  `${c}.id BETWEEN (left(${run}::text, 28) || '00000000')::uuid AND (left(${run}::text, 28) || 'ffffffff')::uuid AND ${c}.run_id = ${run}::uuid`;

const CHANGE_COLS = `c.id, c.plan_id AS "planId", c.keyword_id AS "keywordId", c.hour, c.old_bid_fen AS "oldBidFen", c.new_bid_fen AS "newBidFen",
  c.source, c.run_id AS "runId", c.reason, c.created_at AS "createdAt", ${RUN_FACTORS} AS factors`;

/** A bid change as read, its explanation expanded from the stored form. */
function shown<T extends { oldBidFen: number; newBidFen: number; reason: unknown; factors?: RunFactors | null }>(row: T): Omit<T, 'factors'> & { reason: Record<string, unknown> } {
  const { factors, ...rest } = row;
  return { ...rest, reason: shownReason(row.reason, Number(row.oldBidFen), Number(row.newBidFen), factors ?? null) };
}

export interface RunFilter {
  planId?: string;
  asOf?: Date;
  afterId?: string;
  limit: number;
}

export interface BidChangeFilter {
  keywordId?: string;
  source?: BidChangeSource;
  /** Hours from (inclusive) and to (exclusive). */
  from?: Date;
  to?: Date;
  afterId?: string;
  limit: number;
}

/** Optimization runs and the bid-change audit trail. Every method is scoped to the advertiser. */
export class OptimizationRepository {
  constructor(private readonly db: Db) {}

  /** The run of (plan, asOf), created `queued` if there is none yet; never a second one. */
  async ensureRun(advertiserId: string, planId: string, asOf: Date, trigger: RunTrigger, tx?: Tx): Promise<OptimizationRun> {
    const inserted = await this.db.one<OptimizationRun>(
      `INSERT INTO optimization_runs (id, advertiser_id, plan_id, as_of, status, trigger) VALUES ($1, $2, $3, $4, 'queued', $5)
       ON CONFLICT (advertiser_id, plan_id, as_of) DO NOTHING RETURNING ${RUN_COLS}`,
      [newId(), advertiserId, planId, asOf.toISOString(), trigger],
      tx,
    );
    return inserted ?? (await this.findRunByKey(advertiserId, planId, asOf, tx))!;
  }

  findRunByKey(advertiserId: string, planId: string, asOf: Date, tx?: Tx, forUpdate = false): Promise<OptimizationRun | null> {
    return this.db.one<OptimizationRun>(
      `SELECT ${RUN_COLS} FROM optimization_runs WHERE advertiser_id = $1 AND plan_id = $2 AND as_of = $3${forUpdate ? ' FOR UPDATE' : ''}`,
      [advertiserId, planId, asOf.toISOString()],
      tx,
    );
  }

  findRun(advertiserId: string, id: string): Promise<OptimizationRun | null> {
    return this.db.one<OptimizationRun>(`SELECT ${RUN_COLS} FROM optimization_runs WHERE advertiser_id = $1 AND id = $2`, [advertiserId, id]);
  }

  /** Newest first (ids are time-ordered UUIDv7). */
  listRuns(advertiserId: string, f: RunFilter): Promise<OptimizationRun[]> {
    const params: unknown[] = [advertiserId];
    const where = ['advertiser_id = $1'];
    if (f.planId) where.push(`plan_id = $${params.push(f.planId)}`);
    if (f.asOf) where.push(`as_of = $${params.push(f.asOf.toISOString())}`);
    if (f.afterId) where.push(`id < $${params.push(f.afterId)}`);
    return this.db.rows<OptimizationRun>(
      `SELECT ${RUN_COLS} FROM optimization_runs WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $${params.push(f.limit + 1)}`,
      params,
    );
  }

  /**
   * Starts an attempt at (plan, asOf): creates the run `running`, or moves a queued, running
   * (a crashed attempt) or failed one to `running` with one more attempt. A run already finished
   * is returned as it is, unchanged. One statement, committed on its own without waiting for the
   * disk (`set_config(..., true)` lasts until that commit; the status is only for operators, and the
   * run's result commits durably with its writes).
   */
  async startRun(advertiserId: string, planId: string, asOf: Date, trigger: RunTrigger): Promise<OptimizationRun> {
    const [row] = await this.db.prepared<OptimizationRun>(
      'optimizer-start-run',
      `WITH started AS (
         INSERT INTO optimization_runs AS r (id, advertiser_id, plan_id, as_of, status, trigger, attempts, started_at)
         SELECT $1::uuid, $2::uuid, $3::uuid, $4::timestamptz, 'running', $5::text, 1, now() FROM (SELECT set_config('synchronous_commit', 'off', true) AS s) AS nowait WHERE nowait.s = 'off'
         ON CONFLICT (advertiser_id, plan_id, as_of) DO UPDATE SET status = 'running', attempts = r.attempts + 1, started_at = now(), error = NULL
           WHERE r.status IN ('queued', 'running', 'failed')
         RETURNING ${RUN_COLS}
       )
       SELECT * FROM started
       UNION ALL
       SELECT ${RUN_COLS} FROM optimization_runs WHERE advertiser_id = $2 AND plan_id = $3 AND as_of = $4 AND NOT EXISTS (SELECT 1 FROM started)`,
      [newId(), advertiserId, planId, asOf.toISOString(), trigger],
    );
    // Neither: a finished run committed after this statement's snapshot was taken. It is there now.
    return row ?? (await this.findRunByKey(advertiserId, planId, asOf))!;
  }

  /**
   * Ends a run: its status, counts, duration, error and summary, and the run's domain events (for
   * a succeeded run), in one statement. The events take the run's plan.
   */
  async finishRun(
    advertiserId: string,
    runId: string,
    r: { status: RunStatus; seen: number; changed: number; skipped: number; durationMs: number; error?: string | null; summary?: unknown },
    tx?: Tx,
    events: readonly { id: string; type: string; payload: string }[] = [],
  ): Promise<OptimizationRun> {
    const [row] = await this.db.prepared<OptimizationRun>(
      'optimizer-finish-run',
      `WITH r AS (
         UPDATE optimization_runs SET status = $3, keywords_seen = $4, keywords_changed = $5, keywords_skipped = $6, duration_ms = $7,
           error = $8, summary = $9, finished_at = now()
         WHERE advertiser_id = $1 AND id = $2 RETURNING ${RUN_COLS}
       ), e AS (
         INSERT INTO domain_events (id, advertiser_id, type, plan_id, payload)
         SELECT e.id, $1, e.type, r."planId", e.payload FROM unnest($10::uuid[], $11::text[], $12::json[]) AS e(id, type, payload) CROSS JOIN r
       )
       SELECT * FROM r`,
      [
        advertiserId, runId, r.status, r.seen, r.changed, r.skipped, Math.round(r.durationMs), r.error ?? null, r.summary === undefined ? null : JSON.stringify(r.summary),
        events.map((e) => e.id), events.map((e) => e.type), events.map((e) => e.payload),
      ],
      tx,
    );
    return row;
  }


  /** Appends audit rows for one hour: one COPY for the batch (a run writes up to thousands). */
  async insertBidChanges(advertiserId: string, hour: Date, source: BidChangeSource, runId: string | null, changes: NewBidChange[], tx: Tx): Promise<void> {
    if (changes.length === 0) return;
    const h = hour.toISOString();
    const run = runId ?? '\\N';
    await this.db.copyFrom(
      'COPY bid_changes (id, advertiser_id, plan_id, keyword_id, hour, old_bid_fen, new_bid_fen, source, run_id, reason) FROM STDIN',
      changes.map((c) => `${newId()}\t${advertiserId}\t${c.planId}\t${c.keywordId}\t${h}\t${c.oldBidFen}\t${c.newBidFen}\t${source}\t${run}\t${copyText(storedReason(c.reason))}\n`),
      tx,
    );
  }

  /**
   * A run's writes before its end, in one statement: the version-checked bid UPDATE and, for each
   * keyword it updated, the audit row, written by Postgres from the UPDATE's own result (a keyword
   * edited meanwhile, locked or paused gets neither); the keywords' new states; and the plan's
   * state hour. The per-keyword values travel as one delimited text each (explanations hold no
   * newline, ids and numbers no comma): no per-row copy of the run's advertiser, plan, hour and
   * run id, no array quoting. Answers how many bids it changed.
   */
  async writeRunResult(
    advertiserId: string,
    planId: string,
    hour: Date,
    runId: string,
    changes: readonly { keywordId: string; version: number; tid: string; oldBidFen: number; newBidFen: number; reason: unknown }[],
    states: { ids: string; bytes: Buffer; size: number },
    planState: { correctionsSeq: number; verdicts: unknown },
    tx: Tx,
  ): Promise<number> {
    const joined = <T>(value: (c: (typeof changes)[number]) => T, sep = ',') => changes.map(value).join(sep);
    // Each keyword is found at the ctid the run read it at (a TID scan, no index descent per
    // row), and must still be the row read: same id and version. A row updated since has a new
    // version at another ctid (the one read is no longer visible, or, once pruned, holds another
    // row): it is skipped, as edited meanwhile.
    // An audit row's id is the run's (a UUIDv7) with its last 32 random bits replaced by the
    // row's ordinal: still a v7 (RFC 9562 allows a counter there), in creation order, and unique
    // in the primary key's scope, the plan, whose runs are one per hour. Built here, not sent.
    // The explanations travel as one UTF-8 bytea, a line each (see storedReasonLines).
    // The states travel as one bytea, the i-th at bytes [(i - 1) * size, i * size).
    // The data-modifying CTEs run to completion whether or not the last SELECT reads them.
    const [row] = await this.db.prepared<{ applied: number }>(
      'optimizer-write-run',
      `WITH c AS (
         SELECT * FROM unnest(string_to_array($4, ',')::uuid[], string_to_array($5, ';')::tid[], string_to_array($6, ',')::int[],
                              string_to_array($7, ',')::bigint[], string_to_array($8, ',')::bigint[], string_to_array(convert_from($9::bytea, 'UTF8'), E'\n'))
           WITH ORDINALITY AS c(keyword_id, tid, version, old_bid_fen, new_bid_fen, reason, i)
       ), u AS (
         UPDATE keywords k SET bid_fen = c.new_bid_fen, version = k.version + 1, updated_at = now()
         FROM c WHERE k.ctid = c.tid AND k.id = c.keyword_id AND k.advertiser_id = $1 AND k.version = c.version AND k.status = 'active' AND NOT k.locked
         RETURNING c.i, c.keyword_id, c.old_bid_fen, c.new_bid_fen, c.reason
       ), a AS (
         INSERT INTO bid_changes (id, advertiser_id, plan_id, keyword_id, hour, old_bid_fen, new_bid_fen, source, run_id, reason)
         SELECT (left($10::text, 28) || lpad(to_hex(i), 8, '0'))::uuid, $1, $2, keyword_id, $3, old_bid_fen, new_bid_fen, 'optimizer', $10::uuid, reason::json FROM u
         RETURNING 1
       ), st AS (
         INSERT INTO keyword_bid_state (advertiser_id, keyword_id, plan_id, state)
         SELECT $1, t.id, $2, substring($12::bytea FROM ((t.i - 1) * $13::int + 1)::int FOR $13::int) FROM unnest(string_to_array($11, ',')::uuid[]) WITH ORDINALITY AS t(id, i)
         ON CONFLICT (advertiser_id, keyword_id) DO UPDATE SET plan_id = EXCLUDED.plan_id, state = EXCLUDED.state
       ), ps AS (
         INSERT INTO plan_bid_state (advertiser_id, plan_id, as_of, corrections_seq, verdicts) VALUES ($1, $2, $3, $14, $15)
         ON CONFLICT (advertiser_id, plan_id) DO UPDATE SET as_of = EXCLUDED.as_of, corrections_seq = EXCLUDED.corrections_seq, verdicts = EXCLUDED.verdicts
       )
       SELECT count(*)::int AS applied FROM a`,
      [
        advertiserId, planId, hour.toISOString(), joined((c) => c.keywordId), joined((c) => c.tid, ';'), joined((c) => c.version), joined((c) => c.oldBidFen),
        joined((c) => c.newBidFen), storedReasonLines(changes.map((c) => c.reason)), runId, states.ids, states.bytes, states.size,
        planState.correctionsSeq, JSON.stringify(planState.verdicts),
      ],
      tx,
    );
    return row.applied;
  }

  /** The latest finished run of a plan that changed bids, if any. */
  latestAppliedRun(advertiserId: string, planId: string): Promise<OptimizationRun | null> {
    return this.db.one<OptimizationRun>(
      `SELECT ${RUN_COLS} FROM optimization_runs WHERE advertiser_id = $1 AND plan_id = $2 AND status = 'succeeded' AND keywords_changed > 0
       ORDER BY as_of DESC LIMIT 1`,
      [advertiserId, planId],
    );
  }

  /** The bid changes of one run, named as the platform's back end names keywords (for the bulk-edit sheet). */
  async bidExportRows(advertiserId: string, planId: string, runId: string): Promise<BidExportRow[]> {
    const rows = await this.db.rows<Omit<BidExportRow, 'summary'> & { reason: unknown; factors: RunFactors | null }>(
      `SELECT p.name AS "planName", u.name AS "unitName", k.text, k.match_type AS "matchType", c.old_bid_fen AS "oldBidFen",
              c.new_bid_fen AS "newBidFen", to_char(c.hour AT TIME ZONE a.timezone, 'YYYY-MM-DD HH24:00') AS hour, c.reason, ${RUN_FACTORS} AS factors
       FROM bid_changes c
       JOIN keywords k ON k.id = c.keyword_id AND k.advertiser_id = c.advertiser_id
       JOIN units u ON u.id = k.unit_id AND u.advertiser_id = c.advertiser_id
       JOIN plans p ON p.id = c.plan_id AND p.advertiser_id = c.advertiser_id
       JOIN advertisers a ON a.id = c.advertiser_id
       ${RUN_JOIN}
       WHERE c.advertiser_id = $1 AND c.plan_id = $2 AND ${runRows('c', '$3')}
       ORDER BY u.name, k.text, k.match_type`,
      [advertiserId, planId, runId],
    );
    return rows.map((r) => {
      const { reason, ...rest } = shown(r);
      return { ...rest, summary: typeof reason.summary === 'string' ? reason.summary : '' };
    });
  }

  /** Newest first. */
  async listBidChanges(advertiserId: string, planId: string, f: BidChangeFilter): Promise<BidChange[]> {
    const params: unknown[] = [advertiserId, planId];
    const where = ['c.advertiser_id = $1', 'c.plan_id = $2'];
    if (f.keywordId) where.push(`c.keyword_id = $${params.push(f.keywordId)}`);
    if (f.source) where.push(`c.source = $${params.push(f.source)}`);
    if (f.from) where.push(`c.hour >= $${params.push(f.from.toISOString())}`);
    if (f.to) where.push(`c.hour < $${params.push(f.to.toISOString())}`);
    if (f.afterId) where.push(`c.id < $${params.push(f.afterId)}`);
    const rows = await this.db.rows<BidChange & { factors: RunFactors | null }>(
      `SELECT ${CHANGE_COLS} FROM bid_changes c ${RUN_JOIN} WHERE ${where.join(' AND ')} ORDER BY c.id DESC LIMIT $${params.push(f.limit + 1)}`,
      params,
    );
    return rows.map(shown);
  }
}
