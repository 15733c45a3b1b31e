import 'reflect-metadata';
import { execFileSync } from 'child_process';
import { join } from 'path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../libs/domain/src/db/data-source-options';

/**
 * Once per `jest` run: recreate the test database, run every migration, and clear the test
 * queue prefix in Redis. Tests then isolate themselves by tenant (each creates its own
 * advertisers), so test files can run in parallel against one database.
 */
export default async function globalSetup(): Promise<void> {
  require('./env');
  // One database per run (unless TEST_DATABASE_URL names one), so concurrent runs on one
  // machine never drop each other's data. Test workers inherit this variable.
  if (!process.env.TEST_DATABASE_URL) {
    process.env.TEST_DATABASE_URL = `postgres://postgres@127.0.0.1:5432/kuaiche_test_${process.pid}`;
    process.env.KUAICHE_TEST_DB_OWNED = '1';
  }
  const url = process.env.TEST_DATABASE_URL;
  process.env.DATABASE_URL = url;
  process.env.TEST_QUEUE_PREFIX ??= `kuaiche-test-${process.pid}`;
  process.env.QUEUE_PREFIX = process.env.TEST_QUEUE_PREFIX;
  const dbName = new URL(url).pathname.slice(1);
  execFileSync('bash', [join(__dirname, '..', 'scripts', 'services.sh')], { stdio: 'inherit' });
  const admin = new Client({ connectionString: url.replace(/\/[^/?]+(\?.*)?$/, '/postgres') });
  await admin.connect();
  await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [dbName]);
  await admin.query(`DROP DATABASE IF EXISTS "${dbName}"`);
  await admin.query(`CREATE DATABASE "${dbName}"`);
  await admin.end();

  const ds = new DataSource(dataSourceOptions(url, 2));
  await ds.initialize();
  await ds.runMigrations({ transaction: 'each' });
  await ds.destroy();

  const { default: Redis } = await import('ioredis');
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const keys = await redis.keys(`${process.env.QUEUE_PREFIX}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
}
