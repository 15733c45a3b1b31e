import type { Db, Tx } from '../db/db';
import { newId } from '../ids';

export const EXPERIMENT_MODES = ['equal', 'bandit'] as const;
export type ExperimentMode = (typeof EXPERIMENT_MODES)[number];
export const EXPERIMENT_METRICS = ['ctr', 'value'] as const;
export type ExperimentMetric = (typeof EXPERIMENT_METRICS)[number];
export const EXPERIMENT_STATUSES = ['running', 'decided', 'stopped'] as const;
export type ExperimentStatus = (typeof EXPERIMENT_STATUSES)[number];

export interface Experiment extends NewExperiment {
  id: string;
  advertiserId: string;
  status: ExperimentStatus;
  winnerId: string | null;
  lastRotatedHour: Date | null;
  /** The decision (or the stop) and why; null while running and never decided. */
  decision: Record<string, unknown> | null;
  /** What the sequential test carries between looks: `{ minP: { "<id>|<id>": p } }`. */
  testState: { minP?: Record<string, number> };
  /** Per-creative figures of the last rotation. */
  results: Record<string, unknown>[] | null;
  fatiguedAt: Date | null;
  version: number;
  createdAt: Date;
  decidedAt: Date | null;
  updatedAt: Date;
}

export interface ExperimentRotation {
  hour: Date;
  status: ExperimentStatus;
  servingWeights: Record<string, number>;
  probBest: Record<string, number>;
  trigger: 'schedule' | 'api';
  createdAt: Date;
}

/** One creative-hour of stats, summed over the unit's keywords. */
export interface CreativeHour {
  creativeId: string;
  hour: Date;
  impressions: number;
  clicks: number;
  orders: number;
  gmvFen: number;
}

const COLS = `id, advertiser_id AS "advertiserId", plan_id AS "planId", unit_id AS "unitId", creative_ids::text[] AS "creativeIds", mode, metric, status,
  winner_id AS "winnerId", serving_weights AS "servingWeights", weight_floor AS "weightFloor", pause_losers AS "pauseLosers",
  reopen_on_fatigue AS "reopenOnFatigue", max_days AS "maxDays", start_hour AS "startHour", last_rotated_hour AS "lastRotatedHour",
  decision, test_state AS "testState", results, fatigued_at AS "fatiguedAt", version, created_at AS "createdAt", decided_at AS "decidedAt",
  updated_at AS "updatedAt"`;

const ROTATION_COLS = `hour, status, serving_weights AS "servingWeights", prob_best AS "probBest", trigger, created_at AS "createdAt"`;

export interface NewExperiment {
  planId: string;
  unitId: string;
  creativeIds: string[];
  mode: ExperimentMode;
  metric: ExperimentMetric;
  servingWeights: Record<string, number>;
  weightFloor: number;
  pauseLosers: boolean;
  reopenOnFatigue: boolean;
  maxDays: number | null;
  startHour: Date;
}

export interface ExperimentUpdate {
  status: ExperimentStatus;
  winnerId: string | null;
  servingWeights: Record<string, number>;
  startHour: Date;
  lastRotatedHour: Date;
  decision: unknown;
  testState: unknown;
  results: unknown;
  fatiguedAt: Date | null;
  /** Set decided_at to now() (the experiment was decided by this rotation). */
  decidedNow: boolean;
  /** Clear decided_at (fatigue reopened it). */
  clearDecidedAt: boolean;
}

/** Creative A/B tests, their rotation history and the domain-event outbox. Every statement is scoped to the advertiser. */
export class ExperimentsRepository {
  constructor(private readonly db: Db) {}

  /** Inserts a running experiment; null when the unit already has one (the partial unique index). */
  async insert(advertiserId: string, e: NewExperiment, tx: Tx): Promise<Experiment | null> {
    return this.db.one<Experiment>(
      `INSERT INTO experiments (id, advertiser_id, plan_id, unit_id, creative_ids, mode, metric, status, serving_weights, weight_floor,
         pause_losers, reopen_on_fatigue, max_days, start_hour)
       VALUES ($1, $2, $3, $4, $5::uuid[], $6, $7, 'running', $8, $9, $10, $11, $12, $13)
       ON CONFLICT (advertiser_id, unit_id) WHERE status = 'running' DO NOTHING
       RETURNING ${COLS}`,
      [newId(), advertiserId, e.planId, e.unitId, e.creativeIds, e.mode, e.metric, JSON.stringify(e.servingWeights), e.weightFloor, e.pauseLosers, e.reopenOnFatigue, e.maxDays, e.startHour.toISOString()],
      tx,
    );
  }

  findById(advertiserId: string, id: string, tx?: Tx, forUpdate = false): Promise<Experiment | null> {
    return this.db.one<Experiment>(`SELECT ${COLS} FROM experiments WHERE advertiser_id = $1 AND id = $2${forUpdate ? ' FOR UPDATE' : ''}`, [advertiserId, id], tx);
  }

  findRunningForUnit(advertiserId: string, unitId: string, tx?: Tx): Promise<Experiment | null> {
    return this.db.one<Experiment>(`SELECT ${COLS} FROM experiments WHERE advertiser_id = $1 AND unit_id = $2 AND status = 'running'`, [advertiserId, unitId], tx);
  }

  /** Newest first. */
  listForUnit(advertiserId: string, unitId: string, f: { afterId?: string; limit: number }): Promise<Experiment[]> {
    const params: unknown[] = [advertiserId, unitId];
    const where = ['advertiser_id = $1', 'unit_id = $2'];
    if (f.afterId) where.push(`id < $${params.push(f.afterId)}`);
    return this.db.rows<Experiment>(`SELECT ${COLS} FROM experiments WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $${params.push(f.limit + 1)}`, params);
  }

  /** A newer experiment exists on the unit (a decided one is then no longer watched for fatigue). */
  async isSuperseded(advertiserId: string, e: Experiment, tx?: Tx): Promise<boolean> {
    const r = await this.db.one<{ x: number }>(`SELECT 1 AS x FROM experiments WHERE advertiser_id = $1 AND unit_id = $2 AND id > $3 LIMIT 1`, [advertiserId, e.unitId, e.id], tx);
    return r !== null;
  }

  async update(advertiserId: string, id: string, u: ExperimentUpdate, tx: Tx): Promise<Experiment> {
    const row = await this.db.one<Experiment>(
      `UPDATE experiments SET status = $3, winner_id = $4, serving_weights = $5, start_hour = $6, last_rotated_hour = $7, decision = $8,
         test_state = $9, results = $10, fatigued_at = $11,
         decided_at = CASE WHEN $12::boolean THEN now() WHEN $13::boolean THEN NULL ELSE decided_at END,
         version = version + 1, updated_at = now()
       WHERE advertiser_id = $1 AND id = $2 RETURNING ${COLS}`,
      [
        advertiserId,
        id,
        u.status,
        u.winnerId,
        JSON.stringify(u.servingWeights),
        u.startHour.toISOString(),
        u.lastRotatedHour.toISOString(),
        u.decision === null ? null : JSON.stringify(u.decision),
        JSON.stringify(u.testState),
        u.results === null ? null : JSON.stringify(u.results),
        u.fatiguedAt ? u.fatiguedAt.toISOString() : null,
        u.decidedNow,
        u.clearDecidedAt,
      ],
      tx,
    );
    return row!;
  }

  /** Stops a running experiment (the seller's call); null when it is not running. */
  stop(advertiserId: string, id: string, decision: unknown, tx: Tx): Promise<Experiment | null> {
    return this.db.one<Experiment>(
      `UPDATE experiments SET status = 'stopped', decision = $3, version = version + 1, updated_at = now()
       WHERE advertiser_id = $1 AND id = $2 AND status = 'running' RETURNING ${COLS}`,
      [advertiserId, id, JSON.stringify(decision)],
      tx,
    );
  }

  /**
   * Hourly stats per creative of the experiment over [from, to), summed over the unit's keywords.
   * Reads the facts through their (advertiser, plan, hour) index.
   */
  creativeHours(advertiserId: string, planId: string, unitId: string, creativeIds: string[], from: Date, to: Date, tx?: Tx): Promise<CreativeHour[]> {
    return this.db.rows<CreativeHour>(
      `SELECT creative_id AS "creativeId", hour, sum(impressions)::float8 AS impressions, sum(clicks)::float8 AS clicks,
              sum(orders)::float8 AS orders, sum(gmv_fen)::float8 AS "gmvFen"
       FROM keyword_stats_hourly
       WHERE advertiser_id = $1 AND plan_id = $2 AND unit_id = $3 AND creative_id = ANY($4::uuid[]) AND hour >= $5 AND hour < $6
       GROUP BY creative_id, hour ORDER BY hour`,
      [advertiserId, planId, unitId, creativeIds, from.toISOString(), to.toISOString()],
      tx,
    );
  }

  findRotation(advertiserId: string, experimentId: string, hour: Date, tx?: Tx): Promise<ExperimentRotation | null> {
    return this.db.one<ExperimentRotation>(
      `SELECT ${ROTATION_COLS} FROM experiment_rotations WHERE advertiser_id = $1 AND experiment_id = $2 AND hour = $3`,
      [advertiserId, experimentId, hour.toISOString()],
      tx,
    );
  }

  /** The hour's weights; false when the hour was already rotated (the key makes a retry a no-op). */
  async insertRotation(
    advertiserId: string,
    experimentId: string,
    r: { hour: Date; status: ExperimentStatus; servingWeights: Record<string, number>; probBest: Record<string, number>; trigger: 'schedule' | 'api' },
    tx: Tx,
  ): Promise<boolean> {
    const rows = await this.db.rows(
      `INSERT INTO experiment_rotations (advertiser_id, experiment_id, hour, status, serving_weights, prob_best, trigger)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING hour`,
      [advertiserId, experimentId, r.hour.toISOString(), r.status, JSON.stringify(r.servingWeights), JSON.stringify(r.probBest), r.trigger],
      tx,
    );
    return rows.length > 0;
  }

  /** Sets creatives of the unit from one status to another; the ids it changed. */
  async setCreativeStatus(advertiserId: string, unitId: string, ids: string[], from: 'active' | 'paused', to: 'active' | 'paused', tx: Tx): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.rows<{ id: string }>(
      `UPDATE creatives SET status = $5, version = version + 1, updated_at = now()
       WHERE advertiser_id = $1 AND unit_id = $2 AND id = ANY($3::uuid[]) AND status = $4 RETURNING id`,
      [advertiserId, unitId, ids, from, to],
      tx,
    );
    return rows.map((r) => r.id);
  }

  /** Appends to the domain-event outbox (consumed by the alerts, issue 7), in the caller's transaction. */
  async appendEvent(advertiserId: string, type: string, planId: string | null, payload: Record<string, unknown>, tx: Tx): Promise<string> {
    const id = newId();
    await this.db.rows(`INSERT INTO domain_events (id, advertiser_id, type, plan_id, payload) VALUES ($1, $2, $3, $4, $5)`, [id, advertiserId, type, planId, JSON.stringify(payload)], tx);
    return id;
  }
}
