import type { Logger } from '@nestjs/common';
import { type Env, hourStart, isUuid, wholeHour } from '@kuaiche/domain';
import { type Job, type JobsOptions, type Queue, UnrecoverableError } from 'bullmq';

/**
 * What the hourly fan-outs (optimization, rotation, platform sync) share: their job scheduler,
 * the hour a job names, the optional advertiser filter, and enqueueing their jobs in bulk.
 */

/**
 * On worker boot: upserts the Job Scheduler that fires a fan-out at `cron` (in OPTIMIZE_TZ; safe
 * from any number of workers), or removes it when SCHEDULER_ENABLED=false.
 */
export async function scheduleFanout(queue: Queue, env: Env, logger: Logger, s: { id: string; cron: string; job: string; what: string }): Promise<void> {
  if (!env.SCHEDULER_ENABLED) {
    await queue.removeJobScheduler(s.id);
    logger.log({ msg: `${s.what} schedule off (SCHEDULER_ENABLED=false)` });
    return;
  }
  await queue.upsertJobScheduler(s.id, { pattern: s.cron, tz: env.OPTIMIZE_TZ }, { name: s.job, data: {} });
  logger.log({ msg: `${s.what} scheduled`, cron: s.cron, tz: env.OPTIMIZE_TZ });
}

/** The whole hour a job names, or a failure without retries (a retry cannot fix its payload). */
export function jobHour(asOf: unknown): Date {
  const d = wholeHour(asOf);
  if (!d) throw new UnrecoverableError(`asOf ${String(asOf)} is not a whole hour`);
  return d;
}

/**
 * A fan-out's hour (the one its payload names, or the hour its scheduler fired in) and its
 * advertiser filter (`advertiserIds`, or null for every advertiser on the wall clock).
 */
export function fanoutArgs(job: Job<{ asOf?: string; advertiserIds?: string[] }>): { asOf: Date; only: string[] | null } {
  const asOf = job.data?.asOf !== undefined ? jobHour(job.data.asOf) : hourStart(job.timestamp + (job.delay ?? 0));
  const only = job.data?.advertiserIds;
  if (only !== undefined && !(Array.isArray(only) && only.every((x) => typeof x === 'string' && isUuid(x)))) {
    throw new UnrecoverableError('advertiserIds must be a list of UUIDs');
  }
  return { asOf, only: only ?? null };
}

/** Adds the jobs a thousand at a time (one round trip each). */
export async function addInChunks(queue: Queue, jobs: { name: string; data: unknown; opts: JobsOptions }[]): Promise<void> {
  for (let i = 0; i < jobs.length; i += 1000) await queue.addBulk(jobs.slice(i, i + 1000));
}
