import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { compileExportSource } from '../query/export-source.js';
import type { Filter, TimeRange } from '../query/types.js';
import type { TaskSpec } from '../tasks/background-tasks.js';
import type { EventStore, ExportFormat } from '../store/types.js';
import { exportPath, isExportFileName } from './files.js';
import {
  evictedMessage, ExportDiskSpaceError, ExportLimitError, freeBytesOf, NO_EXPORT_LIMITS, tooLargeMessage, type ExportLimits,
} from './limits.js';
import type { ExportContent, ExportJob, ExportJobStore } from './types.js';

export interface ExportRequest {
  project: string;
  exportType: ExportFormat;
  format: ExportContent;
  range: TimeRange;
  filters: Filter[];
}

export interface ExportJobsDeps {
  store: EventStore;
  jobs: ExportJobStore;
  /** `<PULSE_DATA_DIR>/exports`. */
  dir: string;
  clock: Clock;
  logger: Pick<Logger, 'info' | 'error'>;
  /** Per-project pending jobs, kept bytes and the disk's free space (limits.ts); default: none. */
  limits?: ExportLimits;
  /** Free bytes on the disk of a path (default: statfs); null when unknown, which refuses nothing. */
  freeBytes?: (path: string) => Promise<number | null>;
}

/** Jobs a project's kept files are counted over (newest first); older ones are past any sane retention. */
const STORAGE_SCAN = 10_000;

/**
 * Export jobs (seed 004): created at once (`queued`), run one at a time in the background (`running` → `done` |
 * `failed`), their files kept under `dir`. One at a time bounds the CPU, memory and disk bandwidth exports take from
 * ingest; jobs a restart interrupted run again from the start. The query is compiled when the job is created, so a
 * bad range or filter is the creator's 400, not a failed job.
 */
export class ExportJobs {
  private readonly queue: string[] = [];
  private running: Promise<void> | null = null;
  private current: string | null = null;
  private closed = false;
  /** Creations one after the other, so concurrent requests cannot all pass the pending count. */
  private admitting: Promise<unknown> = Promise.resolve();
  private readonly limits: ExportLimits;
  private readonly freeBytes: (path: string) => Promise<number | null>;

  constructor(private readonly deps: ExportJobsDeps) {
    this.limits = deps.limits ?? NO_EXPORT_LIMITS;
    this.freeBytes = deps.freeBytes ?? freeBytesOf;
  }

  /** Makes the directory and re-queues what a restart interrupted. */
  async start(): Promise<void> {
    await this.prepare();
    await this.resume();
  }

  /** Makes the directory. */
  async prepare(): Promise<void> {
    await mkdir(this.deps.dir, { recursive: true });
  }

  /**
   * Re-queues unfinished jobs (those a restart or a dead instance left), except those this instance holds already.
   * With several instances, what `abandoned` returns: each instance at start, and the leader every minute
   * (`resumeTask`) for the jobs of instances that died (docs/scaling.md).
   */
  async resume(): Promise<void> {
    const jobs = this.deps.jobs;
    for (const job of await (jobs.abandoned ? jobs.abandoned() : jobs.unfinished())) {
      if (job.id === this.current || this.queue.includes(job.id)) continue;
      await this.deps.jobs.update({ ...job, status: 'queued', startedAt: null });
      this.queue.push(job.id);
    }
    this.pump();
  }

  /**
   * Throws InvalidQueryError (→ 400) for a bad range or filter, ExportLimitError (→ 429) when the project has
   * `maxPending` jobs queued or running, ExportDiskSpaceError (→ 503) when the disk is nearly full; nothing is stored then.
   */
  async create(request: ExportRequest): Promise<ExportJob> {
    compileExportSource(request.format, request, this.deps.store);
    const admitted = this.admitting.then(() => this.admit(request));
    this.admitting = admitted.catch(() => undefined);
    return admitted;
  }

  private async admit(request: ExportRequest): Promise<ExportJob> {
    const max = this.limits.maxPending;
    if (max > 0) {
      // Every instance's jobs (the table is shared with PostgreSQL), those a restart will resume included.
      const pending = (await this.deps.jobs.unfinished()).filter((j) => j.project === request.project).length;
      if (pending >= max) throw new ExportLimitError(request.project, pending, max);
    }
    await this.assertDiskSpace();
    const job: ExportJob = {
      id: randomUUID(), ...request, status: 'queued', createdAt: this.deps.clock.now(),
      startedAt: null, finishedAt: null, rows: null, bytes: null, error: null,
    };
    await this.deps.jobs.insert(job);
    this.queue.push(job.id);
    this.pump();
    return job;
  }

  /** The job if it belongs to `project` (another project's job is as absent as a missing one). */
  async get(project: string, id: string): Promise<ExportJob | null> {
    const job = await this.deps.jobs.get(id);
    return job !== null && job.project === project ? job : null;
  }

  list(project: string, limit = 100): Promise<ExportJob[]> {
    return this.deps.jobs.list(project, limit);
  }

  path(job: ExportJob): string {
    return exportPath(this.deps.dir, job);
  }

  /** Resolves when the queue is empty (tests, `pulse export` without a server). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stops taking queued jobs and waits for the one running (a restart runs the rest). */
  async close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    await this.running;
  }

  /** The leader's task taking over the jobs of instances that died (several instances on PostgreSQL). */
  resumeTask(): TaskSpec {
    return {
      name: 'export-resume',
      description: 'runs the unfinished export jobs of instances that stopped',
      intervalMs: 60_000,
      leaderOnly: true,
      run: () => this.resume(),
    };
  }

  /** The background task removing jobs and files older than `days` (PULSE_EXPORT_RETENTION_DAYS). */
  cleanupTask(days: number): TaskSpec {
    return {
      name: 'export-cleanup',
      description: `removes export files and jobs older than ${days} days`,
      intervalMs: 3_600_000,
      firstDelayMs: 90_000,
      run: async () => {
        const cutoff = this.deps.clock.now() - days * 86_400_000;
        const removed = await this.deps.jobs.deleteCreatedBefore(cutoff);
        for (const job of removed) await rm(this.path(job), { force: true });
        const swept = await this.sweep(cutoff);
        if (removed.length > 0 || swept > 0) this.deps.logger.info({ removed: removed.length, files: swept }, 'export cleanup');
      },
    };
  }

  /**
   * Removes job files under `dir` last written before `beforeMs` whatever their rows say. With several instances the
   * job table is shared and whichever instance cleans up first deletes every expired row, while each file stays on the
   * disk of the instance that wrote it: this is how the others' files go. (A file is written after its job was
   * created, so a file older than the cutoff belongs to an expired job.) It also removes what a crash left.
   */
  private async sweep(beforeMs: number): Promise<number> {
    const names = await readdir(this.deps.dir).catch(() => [] as string[]);
    let swept = 0;
    for (const name of names) {
      if (!isExportFileName(name) || (this.current !== null && name.startsWith(`${this.current}.`))) continue;
      const path = join(this.deps.dir, name);
      const info = await stat(path).catch(() => null);
      if (info === null || !info.isFile() || info.mtimeMs >= beforeMs) continue;
      await rm(path, { force: true });
      swept++;
    }
    return swept;
  }

  private pump(): void {
    if (this.running || this.closed) return;
    const id = this.queue.shift();
    if (id === undefined) return;
    this.current = id;
    this.running = this.run(id).finally(() => {
      this.running = null;
      this.current = null;
      this.pump();
    });
  }

  private async run(id: string): Promise<void> {
    const queued = await this.deps.jobs.get(id).catch(() => null);
    if (queued === null || queued.status !== 'queued') return;
    let job: ExportJob = { ...queued, status: 'running', startedAt: this.deps.clock.now() };
    const path = this.path(job);
    try {
      await this.deps.jobs.update(job);
      await rm(path, { force: true });
      // The disk may have filled while the job waited.
      await this.assertDiskSpace();
      const source = compileExportSource(job.format, job, this.deps.store);
      const rows = await this.deps.store.exportTo(source, path, job.exportType);
      const bytes = (await stat(path)).size;
      const maxBytes = this.limits.maxStorageBytes;
      if (maxBytes > 0 && bytes > maxBytes) throw new Error(tooLargeMessage(bytes, maxBytes));
      job = { ...job, status: 'done', finishedAt: this.deps.clock.now(), rows, bytes };
      this.deps.logger.info({ export: job.id, rows, bytes }, 'export done');
    } catch (err) {
      await rm(path, { force: true }).catch(() => undefined);
      job = { ...job, status: 'failed', finishedAt: this.deps.clock.now(), error: err instanceof Error ? err.message : String(err) };
      this.deps.logger.error({ err, export: job.id }, 'export failed');
    }
    await this.deps.jobs.update(job).catch((err: unknown) => this.deps.logger.error({ err, export: job.id }, 'could not record export state'));
    if (job.status === 'done') {
      await this.keepWithinStorage(job).catch((err: unknown) => this.deps.logger.error({ err, project: job.project }, 'could not keep export files within PULSE_EXPORT_MAX_STORAGE_MB'));
    }
  }

  private async assertDiskSpace(): Promise<void> {
    const min = this.limits.minFreeBytes;
    if (min <= 0) return;
    const free = await this.freeBytes(this.deps.dir);
    if (free !== null && free < min) {
      this.deps.logger.error({ dir: this.deps.dir, freeBytes: free, minFreeBytes: min }, 'export refused: the disk is nearly full');
      throw new ExportDiskSpaceError(free, min);
    }
  }

  /**
   * Removes the project's oldest finished files (the newest, `kept`, never) until those on this instance's disk fit in
   * `maxStorageBytes`; their jobs stay `done` with an `error` saying why. Only files present here count: with several
   * instances each disk holds the files of the jobs it ran. Jobs run one at a time, so this never races itself.
   */
  private async keepWithinStorage(kept: ExportJob): Promise<void> {
    const max = this.limits.maxStorageBytes;
    if (max <= 0) return;
    const files: { job: ExportJob; size: number }[] = [];
    let total = 0;
    for (const job of await this.deps.jobs.list(kept.project, STORAGE_SCAN)) {
      if (job.status !== 'done' || job.error !== null) continue;
      const size = await stat(this.path(job)).then((s) => s.size, () => null);
      if (size === null) continue;
      files.push({ job, size });
      total += size;
    }
    if (total <= max) return;
    files.sort((a, b) => (a.job.finishedAt ?? a.job.createdAt) - (b.job.finishedAt ?? b.job.createdAt) || a.job.createdAt - b.job.createdAt);
    const removed: string[] = [];
    for (const { job, size } of files) {
      if (total <= max) break;
      if (job.id === kept.id) continue;
      await rm(this.path(job), { force: true });
      await this.deps.jobs.update({ ...job, error: evictedMessage(job.project, max) });
      total -= size;
      removed.push(job.id);
    }
    this.deps.logger.info({ project: kept.project, removed, bytes: total }, 'export files removed to keep the project within PULSE_EXPORT_MAX_STORAGE_MB');
  }
}
