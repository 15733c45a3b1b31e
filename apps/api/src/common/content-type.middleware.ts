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
