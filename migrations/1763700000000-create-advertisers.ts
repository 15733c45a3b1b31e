import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** Tenants. API keys are stored as SHA-256 digests; the key itself is shown once. */
export class CreateAdvertisers1763700000000 implements MigrationInterface {
  name = 'CreateAdvertisers1763700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE advertisers (
        id           uuid PRIMARY KEY,
        name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        timezone     text NOT NULL DEFAULT 'Asia/Shanghai',
        clock        text NOT NULL DEFAULT 'wall' CHECK (clock IN ('wall', 'external')),
        api_key_hash bytea NOT NULL UNIQUE,
        version      integer NOT NULL DEFAULT 1,
        created_at   timestamptz NOT NULL DEFAULT now(),
        updated_at   timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE advertisers`);
  }
}
