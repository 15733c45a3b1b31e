import type { NextFunction, Request, Response } from 'express';
import { ValidationFailedError } from '@kuaiche/domain';
import { ProblemException } from './problem';

/** Endpoints whose body is not JSON, with the media types they take. */
const NON_JSON: { path: RegExp; types: string[] }[] = [{ path: /^\/v1\/stats\/import\/?$/, types: ['text/csv', 'application/csv', 'text/plain'] }];

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/**
 * A write with a body the API would not parse is a 415, not an empty object: without this a
 * PATCH sent as text/plain would apply `{}` and bump the version.
 */
export function requireJsonBodies(req: Request, _res: Response, next: NextFunction): void {
  if (!['POST', 'PUT', 'PATCH'].includes(req.method) || !hasBody(req)) return next();
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  const special = NON_JSON.find((e) => e.path.test(req.path));
  const accepted = special ? special.types : ['application/json'];
  if (accepted.includes(type) || (!special && /^application\/[\w.+-]*\+json$/.test(type))) return next();
  // Errors passed on from middleware reach the global problem+json filter, like the body parsers'.
  next(new ProblemException(415, 'Unsupported Media Type', `send the body as ${accepted.join(' or ')}`));
}

const PROTO_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The path of the first `__proto__` / `constructor` / `prototype` key, if any. Paths are built
 * only on the way back from a hit: bodies carry up to 50,000 rows, almost always clean.
 */
function findProtoKey(v: unknown, depth = 0): string[] | undefined {
  if (v === null || typeof v !== 'object' || depth > 32) return undefined;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const hit = findProtoKey(v[i], depth + 1);
      if (hit) return [`[${i}]`, ...hit];
    }
    return undefined;
  }
  for (const k of Object.keys(v)) {
    if (PROTO_KEYS.has(k)) return [k];
    const hit = findProtoKey((v as Record<string, unknown>)[k], depth + 1);
    if (hit) return [k, ...hit];
  }
  return undefined;
}

/**
 * Rejects JSON bodies carrying `__proto__`-like keys before anything copies them: copied onto
 * an object such a key replaces its prototype and can smuggle values past validation, and
 * silently dropping it would break the rule that unknown fields are rejected.
 */
export function rejectPrototypeKeys(req: Request, _res: Response, next: NextFunction): void {
  const parts = findProtoKey(req.body);
  if (!parts) return next();
  const path = parts.reduce((p, s) => (s.startsWith('[') || !p ? p + s : `${p}.${s}`), '');
  next(new ValidationFailedError([{ path, message: `unknown field ${parts[parts.length - 1]}` }]));
}
