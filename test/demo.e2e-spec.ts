import { spawn } from 'child_process';
import { existsSync } from 'fs';
import { createServer } from 'net';
import { join } from 'path';
import { Client } from 'pg';

const DEMO = join(process.cwd(), 'dist', 'scripts', 'demo.js');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('npm run demo', () => {
  it('starts API and worker, seeds one plan of each type with about 200 keywords and 3 creatives per unit, prints the key, and stops cleanly', async () => {
    if (!existsSync(DEMO)) throw new Error(`${DEMO} is missing: run \`npm run build\` first (npm test does)`);
    const port = await freePort();
    let out = '';
    const child = spawn(process.execPath, [DEMO, '--exit'], {
      env: { ...process.env, PORT: String(port), NODE_OPTIONS: '', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect({ code, out }).toMatchObject({ code: 0 });
    const key = /API key:\s+(kp_\S+)/.exec(out)?.[1];
    expect(key).toBeDefined();
    expect(out).toContain(`http://127.0.0.1:${port}/docs`);

    const db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
    try {
      const { createHash } = await import('crypto');
      const [adv] = (await db.query(`SELECT id FROM advertisers WHERE api_key_hash = $1`, [createHash('sha256').update(key!).digest()])).rows;
      const plans = (await db.query(`SELECT type FROM plans WHERE advertiser_id = $1 ORDER BY type`, [adv.id])).rows.map((r) => r.type);
      expect(plans).toEqual(['core_word', 'long_tail', 'promo', 'test_product']);
      const [{ n }] = (await db.query(`SELECT count(*)::int AS n FROM keywords WHERE advertiser_id = $1`, [adv.id])).rows;
      expect(n).toBeGreaterThanOrEqual(180);
      expect(n).toBeLessThanOrEqual(220);
      const perUnit = (await db.query(`SELECT count(*)::int AS n FROM creatives WHERE advertiser_id = $1 GROUP BY unit_id`, [adv.id])).rows;
      expect(perUnit.length).toBeGreaterThan(0);
      expect(perUnit.every((r) => r.n === 3)).toBe(true);
    } finally {
      await db.end();
    }
  });
});
