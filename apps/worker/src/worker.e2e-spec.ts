import { ALL_QUEUES, JOBS, QUEUES } from '@kuaiche/domain';
import { Queue, QueueEvents } from 'bullmq';
import { existsSync } from 'fs';
import { redisConnection as connection, startWorker, until, WORKER_MAIN as MAIN } from '../../../test/worker-process';

describe('worker process', () => {
  const prefix = `kuaiche-test-worker-${process.pid}`;
  const queues = ALL_QUEUES.map((name) => new Queue(name, { connection, prefix }));
  const queue = queues[0];

  beforeAll(() => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does)`);
  });
  afterAll(async () => {
    for (const q of queues) {
      await q.obliterate({ force: true }).catch(() => undefined);
      await q.close();
    }
  });

  it('consumes every queue of the architecture and finishes its active job on SIGTERM before it exits', async () => {
    const w = startWorker(prefix);
    const events = new QueueEvents(QUEUES.bidOptimization, { connection, prefix });
    try {
      await events.waitUntilReady();
      // One quick ping per queue proves each one has a consumer.
      const pings = await Promise.all(queues.map((q) => q.add(JOBS.workerPing, {}, { removeOnComplete: false })));
      for (const [i, job] of pings.entries()) {
        const done = await until(async () => ((await queues[i].getJob(job.id!))?.returnvalue as { pid: number; queue: string } | undefined) ?? undefined, `ping on ${queues[i].name}`);
        expect(done).toEqual({ pid: w.child.pid, queue: queues[i].name });
      }

      const slow = await queue.add(JOBS.workerPing, { holdMs: 1500 }, { removeOnComplete: false });
      await until(async () => (await slow.getState()) === 'active' || undefined, 'slow job active');
      const completed = new Promise<number>((resolve) =>
        events.on('completed', ({ jobId }) => {
          if (jobId === slow.id) resolve(Date.now());
        }),
      );
      w.child.kill('SIGTERM');
      const exit = await w.exited;
      const exitedAt = Date.now();
      // Nest closes the app (BullMQ waits for the active job), then re-raises the signal.
      expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
      expect(w.output()).toContain('"msg":"job processed"');
      const after = await queue.getJob(slow.id!);
      expect(await after!.getState()).toBe('completed');
      expect(after!.returnvalue).toEqual({ pid: w.child.pid, queue: QUEUES.bidOptimization });
      expect(await completed).toBeLessThanOrEqual(exitedAt);
    } finally {
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
      await events.close();
    }
  });

  it('fails a job it does not know at once, without retries, and keeps it for inspection', async () => {
    const w = startWorker(prefix);
    try {
      const job = await queue.add('no.such-job', {}, { attempts: 5 });
      const failed = await until(async () => ((await job.getState()) === 'failed' ? await queue.getJob(job.id!) : undefined), 'job failed');
      expect(failed!.failedReason).toMatch(/unknown job name "no.such-job"/);
      expect(failed!.attemptsMade).toBe(1);
    } finally {
      w.child.kill('SIGTERM');
      await w.exited;
    }
  });
});
