import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ValidationFailedError } from '@kuaiche/domain';
import type { Request } from 'express';

/**
 * The version the client last saw, from `If-Match` (`3`, `"3"` or `W/"3"`); undefined when
 * the header is absent. A PATCH whose version no longer matches is answered 412.
 */
export const IfMatch = createParamDecorator((_: unknown, ctx: ExecutionContext): number | undefined => {
  const raw = ctx.switchToHttp().getRequest<Request>().headers['if-match'];
  if (raw === undefined) return undefined;
  const m = /^(?:W\/)?"?(\d{1,9})"?$/.exec(String(raw).trim());
  if (!m) throw new ValidationFailedError([{ path: 'If-Match', message: 'If-Match must be the resource version, e.g. "3"' }]);
  return Number(m[1]);
});
