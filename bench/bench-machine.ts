import * as fs from 'fs';
import * as os from 'os';

/** The machine a benchmark ran on, printed first so figures are never read without it. */
export function machineLine(): string {
  const cpus = os.cpus();
  return `machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${os.platform()} ${os.arch()}`;
}

/** CPU seconds spent so far by processes (Linux /proc; null elsewhere). */
export interface CpuSnapshot {
  /** Per pid: command name and CPU seconds (user + system). */
  procs: Map<number, { comm: string; secs: number; readBytes: number; wroteBytes: number }>;
  /** Whole machine: idle and total jiffies as seconds summed over cores. */
  idleSecs: number;
  totalSecs: number;
}

export function cpuSnapshot(): CpuSnapshot | null {
  if (!fs.existsSync('/proc/stat')) return null;
  const hz = 100; // USER_HZ on every Linux Node supports
  const procs = new Map<number, { comm: string; secs: number; readBytes: number; wroteBytes: number }>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const f = stat.slice(close + 2).split(' ');
      // Bytes through read/write calls, sockets included (readable for our own processes).
      let readBytes = 0;
      let wroteBytes = 0;
      try {
        const io = fs.readFileSync(`/proc/${d}/io`, 'utf8');
        readBytes = Number(/rchar: (\d+)/.exec(io)?.[1] ?? 0);
        wroteBytes = Number(/wchar: (\d+)/.exec(io)?.[1] ?? 0);
      } catch {
        // not ours to read
      }
      procs.set(Number(d), { comm, secs: (Number(f[11]) + Number(f[12])) / hz, readBytes, wroteBytes });
    } catch {
      // exited between the listing and the read
    }
  }
  const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return { procs, idleSecs: (cpu[3] + cpu[4]) / hz, totalSecs: cpu.slice(0, 8).reduce((a, b) => a + b, 0) / hz };
}

/** CPU seconds between two snapshots: by the given pids, by every postgres process, and the machine's idle share. */
export function cpuBetween(
  a: CpuSnapshot | null,
  b: CpuSnapshot | null,
  pids: number[],
): { workerSecs: number; postgresSecs: number; idlePct: number; workerWroteMB: number; workerReadMB: number } | null {
  if (!a || !b) return null;
  const used = (pid: number) => (b.procs.get(pid)?.secs ?? 0) - (a.procs.get(pid)?.secs ?? 0);
  const bytes = (pid: number, k: 'readBytes' | 'wroteBytes') => (b.procs.get(pid)?.[k] ?? 0) - (a.procs.get(pid)?.[k] ?? 0);
  let postgresSecs = 0;
  for (const [pid, p] of b.procs) if (p.comm.startsWith('postgres')) postgresSecs += used(pid);
  const total = b.totalSecs - a.totalSecs;
  return {
    workerSecs: pids.reduce((s, pid) => s + used(pid), 0), postgresSecs, idlePct: total > 0 ? ((b.idleSecs - a.idleSecs) / total) * 100 : 0,
    workerWroteMB: pids.reduce((s, pid) => s + bytes(pid, 'wroteBytes'), 0) / 1e6, workerReadMB: pids.reduce((s, pid) => s + bytes(pid, 'readBytes'), 0) / 1e6,
  };
}
