import { createHmac, randomBytes } from 'crypto';
import http from 'http';
import https from 'https';
import { isIP } from 'net';
import { guardedLookup, hostOf, isBlockedAddress, parseWebhookUrl, WebhookUrlError } from './ssrf';

/**
 * Standard Webhooks (standardwebhooks.com): a secret `whsec_<base64 key>`; each request carries
 * `webhook-id` (the same on every attempt, so receivers deduplicate), `webhook-timestamp` (unix
 * seconds of the attempt) and `webhook-signature` `v1,<base64 HMAC-SHA256(key, "id.timestamp.body")>`.
 */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export function signWebhook(secret: string, id: string, timestampSec: number, body: string): string {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSec}.${body}`).digest('base64')}`;
}

export interface SendResult {
  /** HTTP status, null when no response arrived. */
  status: number | null;
  latencyMs: number;
  error: string | null;
}

const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 256 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 256 }),
};

/**
 * One POST of a signed event. Redirects are never followed (a 3xx is a failed attempt: a target
 * could otherwise bounce us into our own network); the whole exchange is bounded by `timeoutMs`;
 * the target's addresses are vetted when the socket connects (see ssrf.ts).
 */
export function postWebhook(url: string, headers: Record<string, string>, body: string, opts: { timeoutMs: number; allowPrivate: boolean }): Promise<SendResult> {
  const started = performance.now();
  const done = (status: number | null, error: string | null): SendResult => ({ status, latencyMs: Math.round(performance.now() - started), error });
  let u: URL;
  try {
    u = parseWebhookUrl(url);
  } catch (err) {
    return Promise.resolve(done(null, `refused: url ${(err as Error).message}`));
  }
  const host = hostOf(u);
  if (isIP(host) && !opts.allowPrivate && isBlockedAddress(host)) {
    return Promise.resolve(done(null, `refused: ${host} is a private, loopback or link-local address`));
  }
  const lib = u.protocol === 'https:' ? https : http;
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const finish = (r: SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const req = lib.request(
      u,
      {
        method: 'POST',
        agent: u.protocol === 'https:' ? agents.https : agents.http,
        lookup: guardedLookup(opts.allowPrivate) as never,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'kuaiche-pilot-webhooks/1', ...headers },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        // Drain (and ignore) the body so the connection can be reused.
        res.on('data', () => undefined);
        res.on('end', () => {
          const redirect = status >= 300 && status < 400 ? `redirect to ${res.headers.location ?? '?'} not followed` : null;
          finish(done(status, status >= 200 && status < 300 ? null : (redirect ?? `HTTP ${status}`)));
        });
        res.on('error', (err) => finish(done(status, err.message)));
      },
    );
    const timer = setTimeout(() => {
      finish(done(null, `timed out after ${opts.timeoutMs} ms`));
      req.destroy();
    }, opts.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => finish(done(null, err.code === 'EWEBHOOKBLOCKED' ? err.message : `${err.code ?? 'error'}: ${err.message}`)));
    req.end(body);
  });
}

export { WebhookUrlError };
