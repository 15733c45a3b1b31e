import { type CanActivate, createParamDecorator, type ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type Advertiser, AdvertisersRepository, Env } from '@kuaiche/domain';
import { createHash, randomBytes, timingSafeEqual } from 'crypto';
import type { Request } from 'express';
import { ProblemException } from './problem';

export const AUTH_KIND = 'auth:kind';
export type AuthKind = 'advertiser' | 'admin' | 'public';
/** Endpoint for the operator's ADMIN_TOKEN only. */
export const AdminOnly = () => SetMetadata(AUTH_KIND, 'admin' satisfies AuthKind);
/** Endpoint open without credentials (health, metrics, docs). */
export const Public = () => SetMetadata(AUTH_KIND, 'public' satisfies AuthKind);

export interface AuthedRequest extends Request {
  advertiser?: Advertiser;
  isAdmin?: boolean;
}

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** `kp_` + 32 random bytes, base64url: shown once, stored only as its SHA-256. */
export function generateApiKey(): string {
  return `kp_${randomBytes(32).toString('base64url')}`;
}

/** The advertiser the request acts for; every tenant-scoped use case takes its id. */
export const CurrentAdvertiser = createParamDecorator((_: unknown, ctx: ExecutionContext): Advertiser => {
  const req = ctx.switchToHttp().getRequest<AuthedRequest>();
  return req.advertiser!;
});

const CACHE_TTL_MS = 30_000;

/**
 * Global guard: every route needs an advertiser API key unless marked @Public or @AdminOnly.
 * Resolved keys are cached for 30 s so a busy client does not cost a lookup per request.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly cache = new Map<string, { advertiser: Advertiser; until: number }>();

  constructor(
    private readonly reflector: Reflector,
    private readonly advertisers: AdvertisersRepository,
    private readonly env: Env,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const kind = this.reflector.getAllAndOverride<AuthKind | undefined>(AUTH_KIND, [ctx.getHandler(), ctx.getClass()]) ?? 'advertiser';
    if (kind === 'public') return true;
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw new ProblemException(401, 'Unauthorized', 'send Authorization: Bearer <apiKey>');
    const token = match[1];

    if (kind === 'admin') {
      const admin = this.env.ADMIN_TOKEN;
      if (!admin) throw new ProblemException(401, 'Unauthorized', 'ADMIN_TOKEN is not configured on this deployment');
      const a = hashApiKey(token);
      const b = hashApiKey(admin);
      if (!timingSafeEqual(a, b)) throw new ProblemException(401, 'Unauthorized', 'invalid admin token');
      req.isAdmin = true;
      return true;
    }

    const hash = hashApiKey(token);
    const cacheKey = hash.toString('base64');
    const hit = this.cache.get(cacheKey);
    const now = Date.now();
    if (hit && hit.until > now) {
      req.advertiser = hit.advertiser;
      return true;
    }
    const advertiser = await this.advertisers.findByApiKeyHash(hash);
    if (!advertiser) throw new ProblemException(401, 'Unauthorized', 'invalid API key');
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(cacheKey, { advertiser, until: now + CACHE_TTL_MS });
    req.advertiser = advertiser;
    return true;
  }
}
