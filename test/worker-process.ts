import { type ChildProcess, spawn } from 'child_process';
import { join } from 'path';

export const WORKER_MAIN = join(process.cwd(), 'dist', 'apps', 'worker', 'src', 'main.js');
export const redisConnection = { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', maxRetriesPerRequest: null };

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface WorkerProcess {
  child: ChildProcess;
  exited: Promise<Exit>;
  output: () => string;
  /** SIGTERM (or SIGKILL when `kill`), and wait for the exit. */
  stop: (kill?: boolean) => Promise<Exit>;
}

/** A cron pattern that never fires while a test runs (January 1st, 00:00). */
export const NEVER_CRON = '0 0 1 1 *';

/**
 * A real worker process (the built dist/), on the test database, with its own queue prefix. When a
 * test turns the scheduler on, every schedule is registered at NEVER_CRON unless the test names
 * its own: the test database is shared, and a schedule firing at its real minute would sync,
 * optimize or rotate other tests' accounts.
 */
export function startWorker(prefix: string, env: Record<string, string> = {}): WorkerProcess {
  let out = '';
  const child = spawn(process.execPath, [WORKER_MAIN], {
    env: {
      ...process.env, QUEUE_PREFIX: prefix, LOG_LEVEL: 'info', NODE_OPTIONS: '',
      OPTIMIZE_CRON: NEVER_CRON, ROTATE_CRON: NEVER_CRON, PLATFORM_SYNC_CRON: NEVER_CRON, OPTIMIZE_TZ: 'Asia/Shanghai', ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<Exit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    exited,
    output: () => out,
    stop: async (kill = false) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(kill ? 'SIGKILL' : 'SIGTERM');
      return exited;
    },
  };
}

export async function until<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, what: string, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await fn();
    if (v !== undefined && v !== false) return v as T;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}
