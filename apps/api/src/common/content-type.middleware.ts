import type { NextFunction, Request, Response } from 'express';
import { PROBLEM_CONTENT_TYPE, problemType } from './problem';

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
export function requireJsonBodies(req: Request, res: Response, next: NextFunction): void {
  if (!['POST', 'PUT', 'PATCH'].includes(req.method) || !hasBody(req)) return next();
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  const special = NON_JSON.find((e) => e.path.test(req.path));
  const accepted = special ? special.types : ['application/json'];
  if (accepted.includes(type) || (!special && /^application\/[\w.+-]*\+json$/.test(type))) return next();
  res
    .status(415)
    .type(PROBLEM_CONTENT_TYPE)
    .send(
      JSON.stringify({
        type: problemType(415),
        title: 'Unsupported Media Type',
        status: 415,
        detail: `send the body as ${accepted.join(' or ')}`,
        instance: req.originalUrl.split('?')[0],
      }),
    );
}

const PROTO_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** The path of the first `__proto__` / `constructor` / `prototype` key, if any. */
function findProtoKey(v: unknown, path: string, depth = 0): string | undefined {
  if (v === null || typeof v !== 'object' || depth > 32) return undefined;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const hit = findProtoKey(v[i], `${path}[${i}]`, depth + 1);
      if (hit) return hit;
    }
    return undefined;
  }
  for (const k of Object.keys(v)) {
    const p = path ? `${path}.${k}` : k;
    if (PROTO_KEYS.has(k)) return p;
    const hit = findProtoKey((v as Record<string, unknown>)[k], p, depth + 1);
    if (hit) return hit;
  }
  return undefined;
}

/**
 * Rejects JSON bodies carrying `__proto__`-like keys before anything copies them: copied onto
 * an object such a key replaces its prototype and can smuggle values past validation, and
 * silently dropping it would break the rule that unknown fields are rejected.
 */
export function rejectPrototypeKeys(req: Request, res: Response, next: NextFunction): void {
  const path = findProtoKey(req.body, '');
  if (!path) return next();
  res
    .status(400)
    .type(PROBLEM_CONTENT_TYPE)
    .send(
      JSON.stringify({
        type: problemType(400),
        title: 'Validation failed',
        status: 400,
        detail: `1 invalid field: ${path}`,
        instance: req.originalUrl.split('?')[0],
        errors: [{ path, message: `unknown field ${path.split('.').pop()}` }],
      }),
    );
}
