import type { Logger } from 'pino';
import type { Clock } from '../clock.js';

/** What `/api/background-tasks` and `/api/debug/analytics` show for one periodic job. */
export interface TaskInfo {
  name: string;
  description: string;
  intervalMs: number;
  running: boolean;
  runs: number;
  failures: number;
  /** Runs that took longer than the interval (the next run then starts at once; runs never overlap). */
  overruns: number;
  lastStartedAt: string | null;
  lastFinishedAt: string | null;
  lastDurationMs: number | null;
  lastError: string | null;
  nextRunAt: string | null;
  /** What the task reports about its last run (the rollups: events rolled up, watermark), if it reports anything. */
  detail?: Record<string, unknown> | null;
  /** Runs only on the elected leader when several instances share PostgreSQL (cluster/). */
  leaderOnly: boolean;
  /** Whether this instance runs it now: always for the others, only while leading for a leader-only task. */
  leader: boolean;
  /** For a leader-only task: the instance that leads (and runs it), when known. */
  leaderInstance?: string | null;
  /** Runs due while this instance did not lead (leader-only tasks), not run here. */
  skipped: number;
}

export interface TaskSpec {
  /** Unique, kebab-case: `retention`, `alert-evaluation`, `health-checks`, … */
  name: string;
  description: string;
  intervalMs: number;
  /** Delay before the first run (default: one interval). */
  firstDelayMs?: number;
  run: () => Promise<void>;
  /** Shown as `detail` by `/api/background-tasks`. */
  detail?: () => Record<string, unknown> | null;
  /**
   * Work that must run once however many instances share the backends (alert evaluation, reports, retention of
   * shared data): runs only while this instance leads; on the others each due run is skipped and counted.
   */
  leaderOnly?: boolean;
}

/** Who leads (cluster/types.ts Leadership); without one, this instance always does. */
export interface TaskLeadership {
  readonly instance: string;
  isLeader(): boolean;
  leaderInstance(): string | null;
}

interface Task {
  spec: TaskSpec;
  timer: NodeJS.Timeout | null;
  current: Promise<void> | null;
  info: TaskInfo;
}

/**
 * The one registry of periodic background work (retention, alert evaluation, health checks, rollups, reports).
 * A run is scheduled only after the previous one finished, so a slow run never piles runs up; a run that throws is
 * counted and logged and the schedule goes on. Timers are unref'd: they never keep the process alive.
 */
export class BackgroundTasks {
  private readonly tasks = new Map<string, Task>();
  private closed = false;

  /**
   * Counts of stopped tasks, by name: a task scheduled again under its name (a health check after a reload) goes on
   * from them, so the counters `/metrics` makes of them never go down.
   */
  private readonly retired = new Map<string, Pick<TaskInfo, 'runs' | 'failures' | 'overruns' | 'skipped'>>();

  constructor(private readonly deps: { clock: Clock; logger: Pick<Logger, 'error' | 'warn'>; leadership?: TaskLeadership }) {}

  private leads(): boolean {
    return this.deps.leadership?.isLeader() ?? true;
  }

  /** Registers and starts a task; the returned function stops it (a run in progress finishes). */
  schedule(spec: TaskSpec): () => void {
    if (this.tasks.has(spec.name)) throw new Error(`background task ${spec.name} is already scheduled`);
    if (!(spec.intervalMs > 0)) throw new Error(`background task ${spec.name}: intervalMs must be > 0`);
    const prior = this.retired.get(spec.name);
    this.retired.delete(spec.name);
    const task: Task = {
      spec,
      timer: null,
      current: null,
      info: {
        name: spec.name, description: spec.description, intervalMs: spec.intervalMs, running: false,
        runs: prior?.runs ?? 0, failures: prior?.failures ?? 0, overruns: prior?.overruns ?? 0, lastStartedAt: null, lastFinishedAt: null,
        lastDurationMs: null, lastError: null, nextRunAt: null, leaderOnly: spec.leaderOnly === true, leader: true, skipped: prior?.skipped ?? 0,
      },
    };
    this.tasks.set(spec.name, task);
    if (!this.closed) this.arm(task, spec.firstDelayMs ?? spec.intervalMs);
    return () => {
      if (task.timer) clearTimeout(task.timer);
      task.timer = null;
      task.info.nextRunAt = null;
      if (this.tasks.get(spec.name) !== task) return;
      this.tasks.delete(spec.name);
      const { runs, failures, overruns, skipped } = task.info;
      this.retired.set(spec.name, { runs, failures, overruns, skipped });
    };
  }

  /** Runs a task now (after the run in progress, if any) — for operators, reloads and tests. A leader-only task does not run off the leader. */
  async runNow(name: string): Promise<void> {
    const task = this.tasks.get(name);
    if (!task) throw new Error(`no background task named ${name}`);
    if (task.spec.leaderOnly && !this.leads()) {
      task.info.skipped += 1;
      return;
    }
    if (task.current) await task.current;
    await this.execute(task);
  }

  /** This instance, whether it leads and who does (`/api/background-tasks`'s `cluster`). */
  leaderStatus(): { instance: string | null; leader: boolean; leaderInstance: string | null } {
    const l = this.deps.leadership;
    return { instance: l?.instance ?? null, leader: l?.isLeader() ?? true, leaderInstance: l?.leaderInstance() ?? null };
  }

  list(): TaskInfo[] {
    const leads = this.leads();
    const leaderInstance = this.deps.leadership?.leaderInstance() ?? null;
    return [...this.tasks.values()].map((t) => ({
      ...t.info, ...(t.spec.detail ? { detail: t.spec.detail() } : {}),
      leader: !t.spec.leaderOnly || leads, ...(t.spec.leaderOnly ? { leaderInstance } : {}),
    }));
  }

  /** Stops every schedule and waits for runs in progress. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    const running: Promise<void>[] = [];
    for (const task of this.tasks.values()) {
      if (task.timer) clearTimeout(task.timer);
      task.timer = null;
      task.info.nextRunAt = null;
      if (task.current) running.push(task.current);
    }
    await Promise.allSettled(running);
  }

  private arm(task: Task, delayMs: number): void {
    task.info.nextRunAt = new Date(this.deps.clock.now() + delayMs).toISOString();
    task.timer = setTimeout(() => {
      task.timer = null;
      if (task.spec.leaderOnly && !this.leads()) {
        task.info.skipped += 1;
        if (!this.closed && this.tasks.get(task.spec.name) === task) this.arm(task, task.spec.intervalMs);
        return;
      }
      void this.execute(task).finally(() => {
        if (this.closed || this.tasks.get(task.spec.name) !== task) return;
        const took = task.info.lastDurationMs ?? 0;
        this.arm(task, Math.max(0, task.spec.intervalMs - took));
      });
    }, delayMs);
    task.timer.unref();
  }

  private execute(task: Task): Promise<void> {
    if (task.current) return task.current;
    const started = this.deps.clock.now();
    const t0 = performance.now();
    task.info.running = true;
    task.info.lastStartedAt = new Date(started).toISOString();
    task.current = (async () => {
      try {
        await task.spec.run();
        task.info.lastError = null;
      } catch (err) {
        task.info.failures += 1;
        task.info.lastError = err instanceof Error ? err.message : String(err);
        this.deps.logger.error({ err, task: task.spec.name }, 'background task failed');
      } finally {
        const took = performance.now() - t0;
        task.info.runs += 1;
        task.info.running = false;
        task.info.lastDurationMs = Math.round(took * 10) / 10;
        task.info.lastFinishedAt = new Date(this.deps.clock.now()).toISOString();
        if (took > task.spec.intervalMs) task.info.overruns += 1;
        task.current = null;
      }
    })();
    return task.current;
  }
}
