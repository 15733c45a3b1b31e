// Environment of the end-to-end tests: a dedicated database and Redis key prefix, quiet logs.
process.env.NODE_ENV = 'test';
process.env.DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/kuaiche_test';
process.env.QUEUE_PREFIX = process.env.TEST_QUEUE_PREFIX ?? 'kuaiche-test';
process.env.ADMIN_TOKEN = 'test-admin-token-0123456789';
process.env.LOG_LEVEL = process.env.TEST_LOG_LEVEL ?? 'silent';
process.env.SCHEDULER_ENABLED = 'false';
process.env.DB_POOL_SIZE = '5';
// Webhook receivers in the tests listen on 127.0.0.1; test workers sweep the webhook outbox only when a test asks.
process.env.WEBHOOK_ALLOW_PRIVATE = 'true';
process.env.WEBHOOK_DISPATCH_EVERY_MS = '0';
