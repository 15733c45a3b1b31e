/**
 * `npm run migration:run` / `npm run migration:revert`: applies pending migrations (each in
 * its own transaction) or reverts the last one, on DATABASE_URL.
 */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions, loadEnv } from '../libs/domain/src';

async function main(): Promise<void> {
  const direction = process.argv[2];
  if (direction !== 'up' && direction !== 'down') throw new Error('usage: migrate up|down');
  const env = loadEnv();
  const ds = new DataSource(dataSourceOptions(env.DATABASE_URL, 1));
  await ds.initialize();
  try {
    if (direction === 'up') {
      const ran = await ds.runMigrations({ transaction: 'each' });
      console.error(ran.length ? ran.map((m) => `[migrate] applied ${m.name}`).join('\n') : '[migrate] schema is up to date');
    } else {
      const before = await ds.query(`SELECT name FROM typeorm_migrations ORDER BY id DESC LIMIT 1`).catch(() => []);
      await ds.undoLastMigration({ transaction: 'each' });
      console.error(before[0] ? `[migrate] reverted ${before[0].name}` : '[migrate] nothing to revert');
    }
  } finally {
    await ds.destroy();
  }
}

main().catch((err) => {
  console.error(`[migrate] ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
