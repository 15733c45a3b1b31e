import { Client } from 'pg';

/** Drops the per-run test database and queue keys that global-setup created. */
export default async function globalTeardown(): Promise<void> {
  const prefix = process.env.TEST_QUEUE_PREFIX;
  if (prefix) {
    const { default: Redis } = await import('ioredis');
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const keys = await redis.keys(`${prefix}*`);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
    redis.disconnect();
  }
  if (process.env.KUAICHE_TEST_DB_OWNED !== '1' || !process.env.TEST_DATABASE_URL) return;
  const url = process.env.TEST_DATABASE_URL;
  const dbName = new URL(url).pathname.slice(1);
  const admin = new Client({ connectionString: url.replace(/\/[^/?]+(\?.*)?$/, '/postgres') });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  await admin.end();
}
