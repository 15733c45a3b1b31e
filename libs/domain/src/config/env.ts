import 'reflect-metadata';
import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength, validateSync } from 'class-validator';

const toBool = ({ value }: { value: unknown }) =>
  value === undefined ? undefined : value === true || value === 'true' || value === '1' ? true : value === false || value === 'false' || value === '0' ? false : value;
const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : /^-?\d+$/.test(String(value)) ? Number(value) : value);

/** Every setting the processes read, validated once at boot. Defaults serve a local machine. */
export class Env {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  PORT = 3000;

  @IsString() @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/kuaiche';

  @IsString() @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must be a redis:// URL' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  /** Operator credential for creating advertisers. Unset: admin endpoints answer 401. */
  @IsOptional() @IsString() @MinLength(16, { message: 'ADMIN_TOKEN must be at least 16 characters' })
  ADMIN_TOKEN?: string;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: string = 'info';

  /** BullMQ key prefix in Redis; tests use their own so they never touch a running deployment. */
  @IsString() @Matches(/^[A-Za-z0-9_-]+$/, { message: 'QUEUE_PREFIX may hold letters, digits, _ and - only' })
  QUEUE_PREFIX = 'kuaiche';

  @Transform(toBool) @IsBoolean()
  SCHEDULER_ENABLED = true;

  @Transform(toInt) @IsInt() @Min(1) @Max(64)
  WORKER_CONCURRENCY = 4;

  @Transform(toInt) @IsInt() @Min(1) @Max(200)
  DB_POOL_SIZE = 10;

  /** When the hourly optimization fires (cron, 5 fields) and in which timezone. */
  @IsString() @Matches(/^\S+( \S+){4}$/, { message: 'OPTIMIZE_CRON must be a 5-field cron pattern, e.g. "5 * * * *"' })
  OPTIMIZE_CRON = '5 * * * *';

  @IsString() @MinLength(1)
  OPTIMIZE_TZ = 'Asia/Shanghai';

  /** When the hourly creative rotation fires (cron, 5 fields, in OPTIMIZE_TZ). */
  @IsString() @Matches(/^\S+( \S+){4}$/, { message: 'ROTATE_CRON must be a 5-field cron pattern, e.g. "2 * * * *"' })
  ROTATE_CRON = '2 * * * *';

  /** When the hourly platform sync fires (cron, 5 fields, in OPTIMIZE_TZ): the last hour's report lands before the optimization. */
  @IsString() @Matches(/^\S+( \S+){4}$/, { message: 'PLATFORM_SYNC_CRON must be a 5-field cron pattern, e.g. "1 * * * *"' })
  PLATFORM_SYNC_CRON = '1 * * * *';

  /** Concurrency of the bid-optimization consumer in each worker process (plans at once). */
  @Transform(toInt) @IsInt() @Min(1) @Max(64)
  OPTIMIZE_CONCURRENCY = 4;

  /** How long a worker may hold a job before another takes it over as stalled (BullMQ lockDuration). */
  @Transform(toInt) @IsInt() @Min(1000) @Max(600_000)
  WORKER_LOCK_MS = 30_000;

  /** Test hook: milliseconds a run waits between reading and writing, to widen the window for a kill or an edit. 0 in production. */
  @Transform(toInt) @IsInt() @Min(0) @Max(600_000)
  OPTIMIZER_TEST_PAUSE_MS = 0;

  /** Webhook targets may resolve to private, loopback or link-local addresses (tests, demo); never in production. */
  @Transform(toBool) @IsBoolean()
  WEBHOOK_ALLOW_PRIVATE = false;

  /** Each delivery attempt's time limit (connect to last byte). */
  @Transform(toInt) @IsInt() @Min(100) @Max(120_000)
  WEBHOOK_TIMEOUT_MS = 10_000;

  /** Delay before each attempt, comma-separated ms (first: the first attempt); +-10% jitter; after the last, failed. */
  @IsString() @Matches(/^\d{1,9}(,\d{1,9}){0,19}$/, { message: 'WEBHOOK_RETRY_SCHEDULE_MS must be 1-20 comma-separated millisecond delays, e.g. "0,5000,300000"' })
  WEBHOOK_RETRY_SCHEDULE_MS = '0,5000,300000,1800000,7200000,18000000,36000000,36000000';

  /** How often the outbox sweeper runs (ms); 0 turns it off (deliveries then go out only when enqueued on commit). */
  @Transform(toInt) @IsInt() @Min(0) @Max(600_000)
  WEBHOOK_DISPATCH_EVERY_MS = 2_000;

  /** Concurrency of the webhook-delivery consumer in each worker process (requests in flight). */
  @Transform(toInt) @IsInt() @Min(1) @Max(256)
  WEBHOOK_CONCURRENCY = 32;

  /** Alert evaluation after a stats ingestion waits this long, so the batches of one upload are judged together. */
  @Transform(toInt) @IsInt() @Min(0) @Max(600_000)
  ALERTS_EVALUATE_DELAY_MS = 2_000;
}

let cached: Env | undefined;

/** Reads and validates the environment; throws naming every bad variable. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const defined = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const env = plainToInstance(Env, defined, { exposeDefaultValues: true });
  const errors = validateSync(env, { whitelist: false });
  if (errors.length > 0) {
    const lines = errors.map((e) => `  ${e.property}=${JSON.stringify(e.value)}: ${Object.values(e.constraints ?? {}).join('; ')}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return env;
}

export function env(): Env {
  cached ??= loadEnv();
  return cached;
}

/** For tests that change the environment between apps. */
export function resetEnvCache(): void {
  cached = undefined;
}
