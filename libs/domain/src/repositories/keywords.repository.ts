import { Db, type Tx } from '../db/db';
import { type Keyword, type KeywordStatus, type MatchType, type PlanStatus } from '../types';

export const KEYWORD_COLS = `k.id, k.advertiser_id AS "advertiserId", k.plan_id AS "planId", k.unit_id AS "unitId", k.text,
  k.match_type AS "matchType", k.bid_fen AS "bidFen", k.status, k.locked, k.suggested_bid_fen AS "suggestedBidFen",
  k.quality_score AS "qualityScore", k.version, k.created_at AS "createdAt", k.updated_at AS "updatedAt"`;

export interface NewKeyword {
  id: string;
  planId: string;
  unitId: string;
  text: string;
  matchType: MatchType;
  bidFen: number;
  status: KeywordStatus;
  locked: boolean;
  suggestedBidFen: number | null;
  qualityScore: number | null;
}

export interface KeywordChange {
  id: string;
  bidFen: number;
  status: KeywordStatus;
  locked: boolean;
  suggestedBidFen: number | null;
  qualityScore: number | null;
}

export interface KeywordWithPlan extends Keyword {
  planStatus: PlanStatus;
  minBidFen: number;
  maxBidFen: number;
}

export interface KeywordFilter {
  planId?: string;
  unitId?: string;
  status?: KeywordStatus;
  afterId?: string;
  limit: number;
}

export class KeywordsRepository {
  constructor(private readonly db: Db) {}

  /** One statement for the whole batch. */
  async insertMany(advertiserId: string, rows: NewKeyword[], tx: Tx): Promise<void> {
    if (rows.length === 0) return;
    await this.db.rows(
      `INSERT INTO keywords (id, advertiser_id, plan_id, unit_id, text, match_type, bid_fen, status, locked, suggested_bid_fen, quality_score)
       SELECT r.id, $1, r.plan_id, r.unit_id, r.text, r.match_type, r.bid_fen, r.status, r.locked, r.suggested_bid_fen, r.quality_score
       FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::bigint[], $8::text[], $9::boolean[], $10::bigint[], $11::smallint[])
         AS r(id, plan_id, unit_id, text, match_type, bid_fen, status, locked, suggested_bid_fen, quality_score)`,
      [
        advertiserId,
        rows.map((r) => r.id),
        rows.map((r) => r.planId),
        rows.map((r) => r.unitId),
        rows.map((r) => r.text),
        rows.map((r) => r.matchType),
        rows.map((r) => r.bidFen),
        rows.map((r) => r.status),
        rows.map((r) => r.locked),
        rows.map((r) => r.suggestedBidFen),
        rows.map((r) => r.qualityScore),
      ],
      tx,
    );
  }

  /** Live (not deleted) keywords of the units, as `unitId|text|matchType` plus a count per unit. */
  async liveKeysByUnit(advertiserId: string, unitIds: string[], tx: Tx): Promise<{ keys: Set<string>; counts: Map<string, number> }> {
    const rows = await this.db.rows<{ unitId: string; text: string; matchType: string }>(
      `SELECT unit_id AS "unitId", text, match_type AS "matchType" FROM keywords
       WHERE advertiser_id = $1 AND unit_id = ANY($2::uuid[]) AND status <> 'deleted'`,
      [advertiserId, unitIds],
      tx,
    );
    const keys = new Set<string>();
    const counts = new Map<string, number>();
    for (const r of rows) {
      keys.add(keywordKey(r.unitId, r.text, r.matchType));
      counts.set(r.unitId, (counts.get(r.unitId) ?? 0) + 1);
    }
    return { keys, counts };
  }

  findById(advertiserId: string, id: string, tx?: Tx): Promise<Keyword | null> {
    return this.db.one<Keyword>(`SELECT ${KEYWORD_COLS} FROM keywords k WHERE k.advertiser_id = $1 AND k.id = $2`, [advertiserId, id], tx);
  }

  findByIds(advertiserId: string, ids: string[], tx?: Tx): Promise<Keyword[]> {
    return this.db.rows<Keyword>(
      `SELECT ${KEYWORD_COLS} FROM keywords k WHERE k.advertiser_id = $1 AND k.id = ANY($2::uuid[]) ORDER BY k.id`,
      [advertiserId, ids],
      tx,
    );
  }

  /** Locks the keywords (id order) with their plan's state, for an update in this transaction. */
  lockWithPlans(advertiserId: string, ids: string[], tx: Tx): Promise<KeywordWithPlan[]> {
    return this.db.rows<KeywordWithPlan>(
      `SELECT ${KEYWORD_COLS}, p.status AS "planStatus", p.min_bid_fen AS "minBidFen", p.max_bid_fen AS "maxBidFen"
       FROM keywords k JOIN plans p ON p.advertiser_id = k.advertiser_id AND p.id = k.plan_id
       WHERE k.advertiser_id = $1 AND k.id = ANY($2::uuid[]) ORDER BY k.id FOR UPDATE OF k`,
      [advertiserId, ids],
      tx,
    );
  }

  /**
   * Lists keywords. `status=active` means serving-eligible: the keyword is active and its unit
   * and plan are not archived (an archived plan's keywords stop counting as active).
   */
  list(advertiserId: string, f: KeywordFilter): Promise<Keyword[]> {
    const params: unknown[] = [advertiserId];
    const where = ['k.advertiser_id = $1'];
    let join = '';
    if (f.planId) where.push(`k.plan_id = $${params.push(f.planId)}`);
    if (f.unitId) where.push(`k.unit_id = $${params.push(f.unitId)}`);
    if (f.status) where.push(`k.status = $${params.push(f.status)}`);
    else where.push(`k.status <> 'deleted'`);
    if (f.status === 'active') {
      join = `JOIN plans p ON p.advertiser_id = k.advertiser_id AND p.id = k.plan_id
              JOIN units u ON u.advertiser_id = k.advertiser_id AND u.id = k.unit_id`;
      where.push(`p.status <> 'archived'`, `u.status <> 'archived'`);
    }
    if (f.afterId) where.push(`k.id > $${params.push(f.afterId)}`);
    return this.db.rows<Keyword>(
      `SELECT ${KEYWORD_COLS} FROM keywords k ${join} WHERE ${where.join(' AND ')} ORDER BY k.id LIMIT $${params.push(f.limit + 1)}`,
      params,
    );
  }

  /** Applies each change and bumps its version; one statement for the batch. */
  async updateMany(advertiserId: string, changes: KeywordChange[], tx: Tx): Promise<Keyword[]> {
    if (changes.length === 0) return [];
    return this.db.rows<Keyword>(
      `UPDATE keywords k SET bid_fen = c.bid_fen, status = c.status, locked = c.locked, suggested_bid_fen = c.suggested_bid_fen,
         quality_score = c.quality_score, version = k.version + 1, updated_at = now()
       FROM unnest($2::uuid[], $3::bigint[], $4::text[], $5::boolean[], $6::bigint[], $7::smallint[])
         AS c(id, bid_fen, status, locked, suggested_bid_fen, quality_score)
       WHERE k.advertiser_id = $1 AND k.id = c.id
       RETURNING ${KEYWORD_COLS}`,
      [
        advertiserId,
        changes.map((c) => c.id),
        changes.map((c) => c.bidFen),
        changes.map((c) => c.status),
        changes.map((c) => c.locked),
        changes.map((c) => c.suggestedBidFen),
        changes.map((c) => c.qualityScore),
      ],
      tx,
    );
  }
}

export function keywordKey(unitId: string, text: string, matchType: string): string {
  return `${unitId}|${matchType}|${text}`;
}
