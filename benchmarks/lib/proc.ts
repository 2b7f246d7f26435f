import { readdirSync, readFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Resident memory of another process, from /proc/<pid>/status (Linux). */
export interface ProcMemory {
  /** VmRSS: resident now. */
  rssBytes: number;
  /** VmHWM: the peak resident size since the process started. */
  peakBytes: number;
}

/** Parses the `VmRSS`/`VmHWM` lines (kB) of a /proc/<pid>/status text; null when absent. */
export function parseProcStatus(text: string): ProcMemory | null {
  const kb = (name: string): number | null => {
    const m = new RegExp(`^${name}:\\s+(\\d+)\\s+kB$`, 'm').exec(text);
    return m?.[1] === undefined ? null : Number(m[1]) * 1024;
  };
  const rss = kb('VmRSS');
  const hwm = kb('VmHWM');
  return rss === null ? null : { rssBytes: rss, peakBytes: hwm ?? rss };
}

export function readProcMemory(pid: number): ProcMemory | null {
  try {
    return parseProcStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return null; // exited, or not Linux
  }
}

export interface RssReport {
  samples: number;
  maxSampledBytes: number | null;
  meanSampledBytes: number | null;
  /** VmHWM at the last sample: catches peaks between samples. */
  peakBytes: number | null;
}

/** Samples a process's RSS on an interval; `mark()` starts a new window, reports cover one window. */
export class RssSampler {
  private timer: NodeJS.Timeout | null = null;
  private values: number[] = [];
  private peak: number | null = null;

  constructor(private readonly pid: number, private readonly intervalMs = 200) {}

  start(): this {
    if (this.timer) return this;
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  private sample(): void {
    const m = readProcMemory(this.pid);
    if (!m) return;
    this.values.push(m.rssBytes);
    this.peak = m.peakBytes;
  }

  /** The report of the window so far, then a new window. */
  mark(): RssReport {
    this.sample();
    const v = this.values;
    const report: RssReport = {
      samples: v.length,
      maxSampledBytes: v.length > 0 ? v.reduce((a, b) => Math.max(a, b), 0) : null,
      meanSampledBytes: v.length > 0 ? v.reduce((a, b) => a + b, 0) / v.length : null,
      peakBytes: this.peak,
    };
    this.values = [];
    return report;
  }

  stop(): RssReport {
    const report = this.mark();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    return report;
  }
}

/** Total size of the regular files under a directory (the store file, its WAL, anything beside). */
export async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await dirBytes(path);
    else if (entry.isFile()) total += (await stat(path)).size;
  }
  return total;
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ: 100 on every mainstream Linux). */
const USER_HZ = 100;

/** utime + stime of a /proc/<pid>/stat text, in seconds. The command name may hold spaces and parens. */
export function parseProcStatCpu(text: string): number | null {
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // After "pid (comm) ", field 3 (state) is index 0: utime (14) is index 11, stime (15) index 12.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / USER_HZ : null;
}

/** CPU seconds one thread of a process has used so far (its main thread: `tid` = `pid`), or null. */
export function readThreadCpuSeconds(pid: number, tid = pid): number | null {
  try {
    return parseProcStatCpu(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/** The parent pid of a /proc/<pid>/stat text (field 4), or null. */
export function parseProcStatPpid(text: string): number | null {
  const ppid = Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]);
  return Number.isInteger(ppid) ? ppid : null;
}

/**
 * CPU seconds a process and every live descendant have used so far (a PostgreSQL postmaster and its backends), or
 * null when the root is gone. Descendants that exited since are not counted.
 */
export function readTreeCpuSeconds(rootPid: number): number | null {
  const stats = new Map<number, string>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      stats.set(Number(name), readFileSync(`/proc/${name}/stat`, 'utf8'));
    } catch {
      // exited meanwhile
    }
  }
  const root = stats.get(rootPid);
  if (root === undefined) return null;
  const children = new Map<number, number[]>();
  for (const [pid, text] of stats) {
    const ppid = parseProcStatPpid(text);
    if (ppid !== null) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  let total = 0;
  const todo = [rootPid];
  while (todo.length > 0) {
    const pid = todo.pop()!;
    total += parseProcStatCpu(stats.get(pid) ?? '') ?? 0;
    todo.push(...(children.get(pid) ?? []));
  }
  return total;
}

/** CPU seconds another process has used so far (all threads), or null. */
export function readCpuSeconds(pid: number): number | null {
  try {
    return parseProcStatCpu(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/**
 * CPU seconds the whole machine has been busy so far (all cores, every process, and time the
 * hypervisor gave to other guests), from the first line of /proc/stat: user + nice + system + irq +
 * softirq + steal (guest time is inside user). Null when absent.
 */
export function parseMachineBusySeconds(procStat: string): number | null {
  const m = /^cpu\s+(.*)$/m.exec(procStat);
  if (!m) return null;
  const [user, nice, system, , , irq, softirq, steal] = m[1]!.trim().split(/\s+/).map(Number);
  const busy = [user, nice, system, irq, softirq, steal ?? 0];
  return busy.every((x) => Number.isFinite(x)) ? busy.reduce((a, b) => a! + b!, 0)! / USER_HZ : null;
}

export function readMachineBusySeconds(): number | null {
  try {
    return parseMachineBusySeconds(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return null;
  }
}
