import 'reflect-metadata';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../libs/domain/src/db/data-source-options';
import { runRows } from '../libs/domain/src/repositories/optimization.repository';
import { migrations } from '../migrations';

/** Migrations that change data already stored, run on a scratch database of their own. */
describe('migrations', () => {
  const base = process.env.TEST_DATABASE_URL!;
  const name = `${new URL(base).pathname.slice(1)}_migrations`;
  const url = base.replace(/\/[^/?]+(\?.*)?$/, `/${name}`);
  let admin: Client;

  beforeAll(async () => {
    admin = new Client({ connectionString: base.replace(/\/[^/?]+(\?.*)?$/, '/postgres') });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
    await admin.query(`CREATE DATABASE "${name}"`);
  });

  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  });

  it("0011 renumbers a run's audit rows written with random ids into its key range, and drops the (run, keyword) key; down restores it", async () => {
    const upTo = migrations.findIndex((m) => m.name === 'BidChangesRunByKey1763700000011');
    const before = new DataSource({ ...dataSourceOptions(url, 2), migrations: migrations.slice(0, upTo) });
    await before.initialize();
    await before.runMigrations({ transaction: 'each' });
    const q = (sql: string, params: unknown[] = []) => before.query(sql, params);
    const [{ a }] = await q(`INSERT INTO advertisers (id, name, timezone, clock, api_key_hash) VALUES (gen_random_uuid(), 'm', 'Asia/Shanghai', 'wall', '\\x00') RETURNING id AS a`);
    const [{ p }] = await q(`INSERT INTO plans (id, advertiser_id, name, type, daily_budget_fen, target_roi) VALUES (gen_random_uuid(), $1, 'p', 'core_word', 20000, 3) RETURNING id AS p`, [a]);
    const runs = ['0190f0c0-0000-7000-8000-00000000aaaa', '0190f0c0-0001-7000-8000-00000000bbbb'];
    for (const [i, run] of runs.entries()) {
      await q(`INSERT INTO optimization_runs (id, advertiser_id, plan_id, as_of, status, trigger) VALUES ($1, $2, $3, $4, 'succeeded', 'schedule')`, [run, a, p, `2026-11-0${i + 1}T00:00:00Z`]);
    }
    // Written as before: a random UUIDv7 per row (ids in creation order), two runs and a manual change.
    const legacy = (run: string | null, n: number) =>
      q(
        `INSERT INTO bid_changes (id, advertiser_id, plan_id, keyword_id, hour, old_bid_fen, new_bid_fen, source, run_id, reason)
         SELECT ('0190f0c1-' || lpad(to_hex(g), 4, '0') || '-7' || substr(md5(random()::text), 1, 3) || '-8' || substr(md5(random()::text), 1, 15))::uuid,
                $1, $2, gen_random_uuid(), now(), 100, 110, $3, $4, '{}' FROM generate_series($5::int, $5::int + $6::int - 1) g`,
        [a, p, run ? 'optimizer' : 'manual', run, run === runs[1] ? 100 : 0, n],
      );
    await legacy(runs[0], 3);
    await legacy(runs[1], 2);
    await legacy(null, 1);
    const ordered = async (run: string): Promise<string[]> => (await q(`SELECT keyword_id FROM bid_changes WHERE run_id = $1 ORDER BY id`, [run])).map((r: { keyword_id: string }) => r.keyword_id);
    const orderBefore = await Promise.all(runs.map(ordered));
    const manualBefore = await q(`SELECT id FROM bid_changes WHERE run_id IS NULL`);
    await before.destroy();

    const all = new DataSource({ ...dataSourceOptions(url, 2), migrations: migrations.slice(0, upTo + 1) });
    await all.initialize();
    await all.runMigrations({ transaction: 'each' });
    for (const [i, run] of runs.entries()) {
      // Found by the key range, in the order they were written, ordinals from 1.
      const found = await all.query(`SELECT id, keyword_id FROM bid_changes c WHERE c.advertiser_id = $1 AND c.plan_id = $2 AND ${runRows('c', '$3')} ORDER BY id`, [a, p, run]);
      expect(found.map((r: { keyword_id: string }) => r.keyword_id)).toEqual(orderBefore[i]);
      expect(found.map((r: { id: string }) => r.id)).toEqual(orderBefore[i].map((_, j) => `${run.slice(0, 28)}${(j + 1).toString(16).padStart(8, '0')}`));
    }
    expect(await all.query(`SELECT id FROM bid_changes WHERE run_id IS NULL`)).toEqual(manualBefore);
    const keys = async () => (await all.query(`SELECT conname FROM pg_constraint WHERE conrelid = 'bid_changes'::regclass ORDER BY conname`)).map((r: { conname: string }) => r.conname);
    expect(await keys()).not.toContain('bid_changes_run_id_keyword_id_key');
    await all.undoLastMigration({ transaction: 'each' });
    expect(await keys()).toContain('bid_changes_run_id_keyword_id_key');
    await all.destroy();
  });
});
