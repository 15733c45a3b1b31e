import { Injectable } from '@nestjs/common';
import { cnyToFen, ConflictError, Db, type FieldError, fenToCny, hourStart, type Keyword, type KeywordChange, keywordKey, KeywordsRepository, type KeywordWithPlan, LIMITS, newId, type NewKeyword, NotFoundError, OptimizationRepository, type Page, PreconditionFailedError, toPage, type Tx, UnitsRepository, type UnitWithPlan, ValidationFailedError } from '@kuaiche/domain';
import { BulkItemResult, BulkResultResponse } from '../common/bulk';
import { pageArgs } from '../common/pagination';
import { validateItem } from '../common/validation';
import { fastCreateItem, fastUpdateItem } from './dto/keyword-fast-path';
import { BulkUpdateKeywordItemDto, CreateKeywordItemDto, CreateKeywordItemWithUnitDto, KeywordResponse, ListKeywordsQueryDto, toKeywordResponse, UpdateKeywordDto } from './dto/keyword.dto';

type Outcome = { ok: true; id: string } | { ok: false; errors: FieldError[] };

function bidRangeMessage(minFen: number, maxFen: number): string {
  return `bid must be within the plan's range ${fenToCny(minFen).toFixed(2)}-${fenToCny(maxFen).toFixed(2)}`;
}

function toResults(outcomes: Outcome[]): BulkResultResponse {
  return {
    results: outcomes.map((o, index): BulkItemResult => (o.ok ? { index, ok: true, id: o.id } : { index, ok: false, errors: o.errors })),
  };
}

@Injectable()
export class KeywordsService {
  constructor(
    private readonly db: Db,
    private readonly keywords: KeywordsRepository,
    private readonly units: UnitsRepository,
    private readonly optimization: OptimizationRepository,
  ) {}

  /** Every bid a seller changes by hand goes to the audit trail beside the optimizer's. */
  private async auditManualBids(advertiserId: string, current: (id: string) => KeywordWithPlan | undefined, changes: KeywordChange[], via: string, tx: Tx): Promise<void> {
    const moved = changes.flatMap((c) => {
      const k = current(c.id);
      return k && k.bidFen !== c.bidFen ? [{ planId: k.planId, keywordId: k.id, oldBidFen: k.bidFen, newBidFen: c.bidFen, reason: { summary: `set by hand through ${via}` } }] : [];
    });
    const hour = hourStart(Date.now());
    await this.optimization.insertBidChanges(advertiserId, hour, 'manual', null, moved, tx);
  }

  /**
   * Bulk create. With `unitId` every item goes to that unit (404 if it is not the caller's);
   * without, each item names its unit. Items are checked against the platform's rules (bid in
   * the plan's range, 200 live keywords per unit, unique text + match type per unit) under a
   * lock on the units, then inserted in one statement.
   */
  async createMany(advertiserId: string, rawItems: unknown[], opts: { unitId?: string; atomic: boolean }): Promise<BulkResultResponse> {
    const parsed = rawItems.map((raw, i) => {
      const fast = fastCreateItem(raw, !opts.unitId);
      if (fast) return { value: fast, errors: [] };
      return opts.unitId
        ? validateItem(CreateKeywordItemDto, raw, `items[${i}]`)
        : validateItem(CreateKeywordItemWithUnitDto, raw, `items[${i}]`);
    });
    const unitIdOf = (i: number): string | undefined =>
      opts.unitId ?? (parsed[i].value as CreateKeywordItemWithUnitDto | undefined)?.unitId?.toLowerCase();

    return this.db.tx(async (tx) => {
      const unitIds = [...new Set(parsed.map((_, i) => unitIdOf(i)).filter((u): u is string => !!u))];
      const units = new Map<string, UnitWithPlan>((await this.units.lockWithPlans(advertiserId, unitIds, tx)).map((u) => [u.id, u]));
      if (opts.unitId) {
        const unit = units.get(opts.unitId);
        if (!unit) throw new NotFoundError('unit');
        if (unit.planStatus === 'archived') throw new ConflictError('plan is archived');
        if (unit.status === 'archived') throw new ConflictError('unit is archived');
      }
      const { keys, counts } = await this.keywords.liveKeysByUnit(advertiserId, [...units.keys()], tx);

      const rows: NewKeyword[] = [];
      const outcomes: Outcome[] = parsed.map((p, i) => {
        if (!p.value) return { ok: false, errors: p.errors };
        const item = p.value;
        const unitId = unitIdOf(i)!;
        const unit = units.get(unitId);
        const at = `items[${i}]`;
        if (!unit) return { ok: false, errors: [{ path: `${at}.unitId`, message: 'unit not found' }] };
        if (unit.planStatus === 'archived' || unit.status === 'archived') {
          return { ok: false, errors: [{ path: `${at}.unitId`, message: `${unit.planStatus === 'archived' ? 'plan' : 'unit'} is archived` }] };
        }
        const errors: FieldError[] = [];
        const bidFen = cnyToFen(item.bid);
        if (bidFen < unit.minBidFen || bidFen > unit.maxBidFen) errors.push({ path: `${at}.bid`, message: bidRangeMessage(unit.minBidFen, unit.maxBidFen) });
        const key = keywordKey(unitId, item.text, item.matchType);
        if (keys.has(key)) errors.push({ path: `${at}.text`, message: `keyword "${item.text}" (${item.matchType}) already exists in this unit` });
        if (errors.length) return { ok: false, errors };
        const count = counts.get(unitId) ?? 0;
        if (count >= LIMITS.keywordsPerUnit) {
          return { ok: false, errors: [{ path: at, message: `a unit holds at most ${LIMITS.keywordsPerUnit} live keywords` }] };
        }
        keys.add(key);
        counts.set(unitId, count + 1);
        const id = newId();
        rows.push({
          id,
          planId: unit.planId,
          unitId,
          text: item.text,
          matchType: item.matchType,
          bidFen,
          status: item.status ?? 'active',
          locked: item.locked ?? false,
          suggestedBidFen: item.suggestedBid === undefined ? null : cnyToFen(item.suggestedBid),
          qualityScore: item.qualityScore ?? null,
        });
        return { ok: true, id };
      });

      const failed = outcomes.flatMap((o) => (o.ok ? [] : o.errors));
      if (opts.atomic && failed.length) throw new ValidationFailedError(failed);
      await this.keywords.insertMany(advertiserId, rows, tx);
      return toResults(outcomes);
    });
  }

  async list(advertiserId: string, q: ListKeywordsQueryDto): Promise<Page<KeywordResponse>> {
    const { limit, afterId } = pageArgs(q);
    const rows = await this.keywords.list(advertiserId, { planId: q.planId, unitId: q.unitId, status: q.status, afterId, limit });
    return toPage(rows, limit, toKeywordResponse);
  }

  async get(advertiserId: string, id: string): Promise<KeywordResponse> {
    const k = await this.keywords.findById(advertiserId, id);
    if (!k) throw new NotFoundError('keyword');
    return toKeywordResponse(k);
  }

  /** PATCH /v1/keywords/{id}: one keyword, with If-Match. */
  async update(advertiserId: string, id: string, dto: UpdateKeywordDto, ifMatch?: number): Promise<KeywordResponse> {
    return this.db.tx(async (tx) => {
      const [current] = await this.keywords.lockWithPlans(advertiserId, [id], tx);
      if (!current) throw new NotFoundError('keyword');
      if (ifMatch !== undefined && ifMatch !== current.version) {
        throw new PreconditionFailedError(`keyword is at version ${current.version}, not ${ifMatch}`);
      }
      const r = this.change(current, dto, '');
      if ('conflict' in r) throw new ConflictError(r.conflict);
      if ('errors' in r) throw new ValidationFailedError(r.errors);
      const [updated] = await this.keywords.updateMany(advertiserId, [r.change], tx);
      await this.auditManualBids(advertiserId, () => current, [r.change], 'PATCH /v1/keywords/{id}', tx);
      return toKeywordResponse(updated);
    });
  }

  /** PATCH /v1/keywords: bulk bid/status/lock changes, one UPDATE for the batch. */
  async updateMany(advertiserId: string, rawItems: unknown[], atomic: boolean): Promise<BulkResultResponse> {
    const parsed = rawItems.map((raw, i) => {
      const fast = fastUpdateItem(raw);
      return fast ? { value: fast, errors: [] } : validateItem(BulkUpdateKeywordItemDto, raw, `items[${i}]`);
    });
    return this.db.tx(async (tx) => {
      const ids = [...new Set(parsed.flatMap((p) => (p.value ? [p.value.id.toLowerCase()] : [])))];
      const current = new Map<string, KeywordWithPlan>((await this.keywords.lockWithPlans(advertiserId, ids, tx)).map((k) => [k.id, k]));
      const seen = new Set<string>();
      const changes: KeywordChange[] = [];
      const outcomes: Outcome[] = parsed.map((p, i) => {
        if (!p.value) return { ok: false, errors: p.errors };
        const at = `items[${i}]`;
        const id = p.value.id.toLowerCase();
        const k = current.get(id);
        if (!k) return { ok: false, errors: [{ path: `${at}.id`, message: 'keyword not found' }] };
        if (seen.has(id)) return { ok: false, errors: [{ path: `${at}.id`, message: 'the same keyword appears twice in this request' }] };
        seen.add(id);
        if (p.value.version !== undefined && p.value.version !== k.version) {
          return { ok: false, errors: [{ path: `${at}.version`, message: `keyword is at version ${k.version}, not ${p.value.version}` }] };
        }
        const r = this.change(k, p.value, `${at}.`);
        if ('conflict' in r) return { ok: false, errors: [{ path: at, message: r.conflict }] };
        if ('errors' in r) return { ok: false, errors: r.errors };
        changes.push(r.change);
        return { ok: true, id };
      });
      const failed = outcomes.flatMap((o) => (o.ok ? [] : o.errors));
      if (atomic && failed.length) throw new ValidationFailedError(failed);
      await this.keywords.updateMany(advertiserId, changes, tx);
      await this.auditManualBids(advertiserId, (id) => current.get(id), changes, 'PATCH /v1/keywords', tx);
      return toResults(outcomes);
    });
  }

  /** The rules a change must pass against the keyword's current state and its plan. */
  private change(
    k: KeywordWithPlan,
    dto: { bid?: number; status?: Keyword['status']; locked?: boolean; suggestedBid?: number | null; qualityScore?: number | null },
    prefix: string,
  ): { change: KeywordChange } | { errors: FieldError[] } | { conflict: string } {
    if (k.status === 'deleted') return { conflict: 'keyword is deleted' };
    if (k.planStatus === 'archived') return { conflict: 'plan is archived' };
    const bidFen = dto.bid === undefined ? k.bidFen : cnyToFen(dto.bid);
    if (dto.bid !== undefined && (bidFen < k.minBidFen || bidFen > k.maxBidFen)) {
      return { errors: [{ path: `${prefix}bid`, message: bidRangeMessage(k.minBidFen, k.maxBidFen) }] };
    }
    return {
      change: {
        id: k.id,
        bidFen,
        status: dto.status ?? k.status,
        locked: dto.locked ?? k.locked,
        suggestedBidFen: dto.suggestedBid === undefined ? k.suggestedBidFen : dto.suggestedBid === null ? null : cnyToFen(dto.suggestedBid),
        qualityScore: dto.qualityScore === undefined ? k.qualityScore : dto.qualityScore,
      },
    };
  }
}
