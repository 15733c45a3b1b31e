import { createHmac } from 'crypto';
import { Webhook } from 'standardwebhooks';
import { generateWebhookSecret, signWebhook } from './sender';
import { isBlockedAddress, parseV6, parseWebhookUrl } from './ssrf';

describe('isBlockedAddress: what a webhook may not reach', () => {
  it.each([
    '127.0.0.1', '127.255.0.9', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255',
    '::', '::1', 'fe80::1', 'fe80::1%eth0', 'fc00::1', 'fd12:3456::1', 'ff02::1',
    '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:169.254.169.254', '::ffff:a9fe:a9fe', '::127.0.0.1', '64:ff9b::a9fe:a9fe', '2002:7f00:1::1', 'not-an-ip',
  ])('blocks %s', (ip) => expect(isBlockedAddress(ip)).toBe(true));

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '192.169.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1'])('allows %s', (ip) =>
    expect(isBlockedAddress(ip)).toBe(false),
  );

  it('parses IPv6 forms', () => {
    expect(parseV6('::1')).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseV6('::ffff:1.2.3.4')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]);
    expect(parseV6('1:2:3:4:5:6:7:8')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(parseV6('1::2::3')).toBeNull();
  });
});

describe('parseWebhookUrl', () => {
  it('takes http(s) only, without credentials', () => {
    expect(parseWebhookUrl('https://hooks.example.com/x').hostname).toBe('hooks.example.com');
    expect(() => parseWebhookUrl('ftp://example.com/')).toThrow(/http or https/);
    expect(() => parseWebhookUrl('file:///etc/passwd')).toThrow(/http or https/);
    expect(() => parseWebhookUrl('https://u:p@example.com/')).toThrow(/credentials/);
    expect(() => parseWebhookUrl('not a url')).toThrow(/absolute/);
  });
});

describe('signWebhook: Standard Webhooks v1', () => {
  it('is the base64 HMAC-SHA256 of "id.timestamp.body" with the decoded secret, and the standardwebhooks package verifies it', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const key = Buffer.from(secret.slice(6), 'base64');
    const body = '{"type":"budget.depleting"}';
    const ts = Math.floor(Date.now() / 1000);
    const sig = signWebhook(secret, 'msg_1', ts, body);
    expect(sig).toBe(`v1,${createHmac('sha256', key).update(`msg_1.${ts}.${body}`).digest('base64')}`);
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(ts), 'webhook-signature': sig };
    expect(new Webhook(secret).verify(body, headers)).toEqual({ type: 'budget.depleting' });
    expect(() => new Webhook(secret).verify(body.replace('depleting', 'exhausted'), headers)).toThrow();
  });
});
