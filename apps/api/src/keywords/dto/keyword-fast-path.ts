import { hasAtMostTwoDecimals, isUuid, KEYWORD_STATUSES, MATCH_TYPES } from '@kuaiche/domain';
import { isStorableText } from '../../common/validators';
import type { BulkUpdateKeywordItemDto, CreateKeywordItemWithUnitDto } from './keyword.dto';

/**
 * Bulk requests carry up to 10,000 items, and class-validator costs about 25 us an item
 * (a quarter of a 1,000-bid PATCH). These checks accept only items that are plainly valid
 * and fall back to class-validator, which writes the error messages, for everything else.
 * They must never accept what the DTOs reject: keyword-fast-path.spec.ts checks that on
 * random input.
 */
const UPDATE_KEYS = new Set(['id', 'bid', 'status', 'locked', 'version']);
const CREATE_KEYS = new Set(['text', 'matchType', 'bid', 'status', 'locked', 'suggestedBid', 'qualityScore']);
const CREATE_STATUSES = new Set(['active', 'paused']);
const ALL_STATUSES = new Set<string>(KEYWORD_STATUSES);
const MATCH = new Set<string>(MATCH_TYPES);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

function money(v: unknown, min: number, max: number): boolean {
  return typeof v === 'number' && v >= min && v <= max && hasAtMostTwoDecimals(v);
}

function onlyKeys(o: Record<string, unknown>, allowed: Set<string>): boolean {
  for (const k in o) if (!allowed.has(k) || o[k] === undefined) return false;
  return true;
}

export function fastUpdateItem(raw: unknown): BulkUpdateKeywordItemDto | undefined {
  if (!isPlainObject(raw) || !onlyKeys(raw, UPDATE_KEYS)) return undefined;
  if (!isUuid(raw.id)) return undefined;
  if ('bid' in raw && !money(raw.bid, 0.3, 999.99)) return undefined;
  if ('status' in raw && !(typeof raw.status === 'string' && ALL_STATUSES.has(raw.status))) return undefined;
  if ('locked' in raw && typeof raw.locked !== 'boolean') return undefined;
  if ('version' in raw && !(Number.isInteger(raw.version) && (raw.version as number) >= 1)) return undefined;
  return raw as unknown as BulkUpdateKeywordItemDto;
}

export function fastCreateItem(raw: unknown, withUnit: boolean): CreateKeywordItemWithUnitDto | undefined {
  if (!isPlainObject(raw)) return undefined;
  for (const k in raw) if ((!CREATE_KEYS.has(k) && !(withUnit && k === 'unitId')) || raw[k] === undefined) return undefined;
  if (withUnit ? !isUuid(raw.unitId) : 'unitId' in raw) return undefined;
  if (typeof raw.text !== 'string') return undefined;
  const text = raw.text.trim();
  if (text.length < 1 || text.length > 60 || !isStorableText(text)) return undefined;
  if (!(typeof raw.matchType === 'string' && MATCH.has(raw.matchType))) return undefined;
  if (!money(raw.bid, 0.3, 999.99)) return undefined;
  if ('status' in raw && !(typeof raw.status === 'string' && CREATE_STATUSES.has(raw.status))) return undefined;
  if ('locked' in raw && typeof raw.locked !== 'boolean') return undefined;
  if ('suggestedBid' in raw && !money(raw.suggestedBid, 0, 999.99)) return undefined;
  if ('qualityScore' in raw && !(Number.isInteger(raw.qualityScore) && (raw.qualityScore as number) >= 1 && (raw.qualityScore as number) <= 10)) return undefined;
  return { ...(raw as unknown as CreateKeywordItemWithUnitDto), text };
}
