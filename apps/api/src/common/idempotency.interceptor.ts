import { type CallHandler, type ExecutionContext, HttpStatus, Injectable, type NestInterceptor, SetMetadata } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { IdempotencyRepository } from '@kuaiche/domain';
import { createHash } from 'crypto';
import type { Response } from 'express';
import { from, Observable, of } from 'rxjs';
import { catchError, mergeMap } from 'rxjs/operators';
import { type AuthedRequest } from './auth';
import { ProblemException } from './problem';

const KEY_RE = /^[\x21-\x7e]{1,255}$/;
export const NO_IDEMPOTENCY = 'idempotency:off';
/**
 * For POSTs whose body streams (a report file): it cannot be hashed before the handler reads
 * it. Such endpoints must be idempotent by themselves (importing a report replaces its rows).
 */
export const WithoutIdempotencyKey = () => SetMetadata(NO_IDEMPOTENCY, true);

/**
 * `Idempotency-Key` on POST: the same key with the same body within 24 h replays the first
 * response and does nothing again; the same key with another body is 422. Keys are scoped to
 * the advertiser (or the operator). Only successful responses are kept: a failed request frees
 * its key so the client can retry.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly repo: IdempotencyRepository,
    private readonly reflector: Reflector,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    const res = ctx.switchToHttp().getResponse<Response>();
    const raw = req.headers['idempotency-key'];
    if (req.method !== 'POST' || raw === undefined || this.reflector.get<boolean>(NO_IDEMPOTENCY, ctx.getHandler())) return next.handle();
    const key = Array.isArray(raw) ? raw[0] : raw;
    if (!KEY_RE.test(key)) {
      throw new ProblemException(400, 'Bad Request', 'Idempotency-Key must be 1-255 printable ASCII characters', [
        { path: 'Idempotency-Key', message: 'must be 1-255 printable ASCII characters' },
      ]);
    }
    const scope = req.advertiser?.id ?? (req.isAdmin ? 'admin' : 'anonymous');
    const hash = createHash('sha256')
      .update(`${req.method} ${req.originalUrl}\n${JSON.stringify(req.body ?? null)}`)
      .digest('hex');

    return from(this.repo.claim(scope, key, hash)).pipe(
      mergeMap((claim) => {
        switch (claim.kind) {
          case 'mismatch':
            throw new ProblemException(422, 'Unprocessable Content', 'this Idempotency-Key was used with a different request body');
          case 'in_progress':
            throw new ProblemException(409, 'Conflict', 'a request with this Idempotency-Key is still in progress; retry shortly');
          case 'replay':
            res.status(claim.statusCode);
            res.setHeader('Idempotent-Replayed', 'true');
            return of(claim.response);
          case 'claimed': {
            const declared = this.reflector.get<number | undefined>(HTTP_CODE_METADATA, ctx.getHandler());
            return next.handle().pipe(
              mergeMap(async (body) => {
                const status = res.statusCode !== 200 ? res.statusCode : (declared ?? HttpStatus.CREATED);
                await this.repo.complete(scope, key, status, body);
                return body;
              }),
              catchError(async (err) => {
                await this.repo.release(scope, key).catch(() => undefined);
                throw err;
              }),
            );
          }
        }
      }),
    );
  }
}
