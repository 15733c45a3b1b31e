import { v7 } from 'uuid';

/**
 * UUIDv7: time-ordered, so keyset pagination by id lists resources in creation order and
 * bulk inserts append to the primary-key index instead of scattering through it.
 */
export function newId(): string {
  return v7();
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(s: unknown): s is string {
  return typeof s === 'string' && UUID_RE.test(s);
}
