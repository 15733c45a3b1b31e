import { lookup as dnsLookup, type LookupAddress } from 'dns';
import { isIP } from 'net';

/**
 * SSRF guard for webhook targets: a seller's URL must not make our workers call into our own
 * network (the cloud metadata service at 169.254.169.254, Redis on 127.0.0.1, a 10.x admin
 * panel). Checked when the endpoint is created and again when each delivery connects (the
 * name may resolve elsewhere by then), on the address actually connected to.
 */

function v4ToInt(ip: string): number | null {
  const parts = ip.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    n = n * 256 + Number(p);
  }
  return n;
}

const V4_BLOCKED: [string, number][] = [
  ['0.0.0.0', 8], // "this network"; 0.0.0.0 reaches the local host on Linux
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];

function v4Blocked(n: number): boolean {
  return V4_BLOCKED.some(([base, bits]) => {
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    return ((n & mask) >>> 0) === ((v4ToInt(base)! & mask) >>> 0);
  });
}

/** The 8 16-bit groups of an IPv6 address (with `::` and a trailing dotted IPv4 expanded), or null. */
export function parseV6(ip: string): number[] | null {
  let s = ip.split('%')[0].toLowerCase();
  const dotted = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(s);
  if (dotted) {
    const n = v4ToInt(dotted[1]);
    if (n === null) return null;
    s = s.slice(0, -dotted[1].length) + `${((n >>> 16) & 0xffff).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const part = (x: string) => (x === '' ? [] : x.split(':'));
  const head = part(halves[0]);
  const tail = halves.length === 2 ? part(halves[1]) : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  if (fill < 0 || (halves.length === 1 && head.length !== 8)) return null;
  const groups = [...head, ...new Array(fill).fill('0'), ...tail];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.map((g) => parseInt(g, 16));
}

/**
 * True for addresses a webhook may not reach: private, loopback, link-local, unspecified,
 * multicast, reserved and documentation ranges, in IPv4 and IPv6, including IPv4 addresses
 * carried inside IPv6 (mapped ::ffff:a.b.c.d, compatible ::a.b.c.d, NAT64 64:ff9b::/96, 6to4
 * 2002::/16). Anything that does not parse as an address counts as blocked.
 */
export function isBlockedAddress(ip: string): boolean {
  const kind = isIP(ip.split('%')[0]);
  if (kind === 4) return v4Blocked(v4ToInt(ip)!);
  if (kind !== 6) return true;
  const g = parseV6(ip);
  if (!g) return true;
  const v4 = (hi: number, lo: number) => ((hi << 16) >>> 0) + lo;
  const zeros = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeros(8)) return true; // ::
  if (zeros(7) && g[7] === 1) return true; // ::1
  if (zeros(5) && g[5] === 0xffff) return v4Blocked(v4(g[6], g[7])); // ::ffff:a.b.c.d
  if (zeros(6)) return v4Blocked(v4(g[6], g[7])); // ::a.b.c.d (deprecated compatible form)
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return v4Blocked(v4(g[6], g[7]));
  if (g[0] === 0x2002) return v4Blocked(v4(g[1], g[2]));
  if ((g[0] & 0xfe00) === 0xfc00) return true; // fc00::/7 unique local
  if ((g[0] & 0xffc0) === 0xfe80) return true; // fe80::/10 link-local
  if ((g[0] & 0xffc0) === 0xfec0) return true; // fec0::/10 site-local (deprecated)
  if ((g[0] & 0xff00) === 0xff00) return true; // multicast
  if (g[0] === 0x2001 && g[1] === 0x0db8) return true; // documentation
  if (g[0] === 0x0100 && g.slice(1, 4).every((x) => x === 0)) return true; // discard-only
  return false;
}

export class WebhookUrlError extends Error {}

/** Parses and vets a webhook URL's form: http(s), a host, no credentials. Throws WebhookUrlError. */
export function parseWebhookUrl(raw: string): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new WebhookUrlError('must be an absolute http(s) URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new WebhookUrlError(`must use http or https, not ${u.protocol.replace(':', '')}`);
  if (!u.hostname) throw new WebhookUrlError('must name a host');
  if (u.username || u.password) throw new WebhookUrlError('must not carry credentials; authenticate deliveries by their signature');
  return u;
}

/** The URL's host without IPv6 brackets. */
export function hostOf(u: URL): string {
  return u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
}

/** Resolves the host (or takes the literal address) and refuses blocked addresses unless `allowPrivate`. */
export async function assertPublicTarget(u: URL, allowPrivate: boolean): Promise<string[]> {
  const host = hostOf(u);
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await new Promise<LookupAddress[]>((resolve, reject) => dnsLookup(host, { all: true }, (err, a) => (err ? reject(err) : resolve(a))))).map((a) => a.address);
    } catch {
      throw new WebhookUrlError(`host ${host} does not resolve`);
    }
  }
  if (!allowPrivate) {
    const bad = addresses.find(isBlockedAddress);
    if (bad) throw new WebhookUrlError(`resolves to ${bad}, a private, loopback or link-local address, which webhooks may not reach`);
  }
  return addresses;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request that refuses blocked addresses at connect time: the check runs on
 * the very address the socket connects to, so a name that changed its answer since the endpoint
 * was created (DNS rebinding) is still refused.
 */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: object, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...(options as object), all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as LookupAddress[];
      if (!allowPrivate) {
        const bad = list.find((a) => isBlockedAddress(a.address));
        if (bad) {
          const e = new Error(`refused: ${hostname} resolves to ${bad.address}, a private, loopback or link-local address`) as NodeJS.ErrnoException;
          e.code = 'EWEBHOOKBLOCKED';
          return callback(e, []);
        }
      }
      if ((options as { all?: boolean }).all) return callback(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };
}
