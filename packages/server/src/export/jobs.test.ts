import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredEvent } from '@pulse/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { openEmbeddedStores } from '../store/duckdb/index.js';
import type { EventStore } from '../store/types.js';
import { ExportJobs } from './jobs.js';
import { ExportDiskSpaceError, ExportLimitError } from './limits.js';
import type { ExportJob } from './types.js';

const dir = mkdtempSync(join(tmpdir(), 'pulse-export-jobs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T0 = Date.parse('2026-11-20T10:00:00Z');
const event = (i: number): StoredEvent =>
  ({
    project: 'p', id: null, ts: T0 + i * 1000, type: 'metric', name: 'n', service: null, environment: null, user_id: null, session_id: null,
    persona: null, channel: null, guild: null, prompt_id: null, model: null, provider: null, input_tokens: null,
    output_tokens: null, cost_usd: null, duration_ms: null, ttft_ms: null, status: 'ok', error_type: null,
    error_message: null, severity: null, value: i, target: null, text: null, sentiment: null, phases: null, attributes: null,
  }) satisfies StoredEvent;

const logger = { info: () => {}, error: () => {} };
const clock = { now: () => Date.now() };
const request = { project: 'p', exportType: 'csv' as const, format: 'full' as const, range: { startMs: T0, endMs: T0 + 60_000 }, filters: [] };

describe('ExportJobs', () => {
  it('runs one job at a time through queued → running → done, and re-runs what a restart interrupted', async () => {
    const dataDir = join(dir, 'a');
    let stores = await openEmbeddedStores({ dataDir });
    await stores.store.append({ events: Array.from({ length: 10 }, (_, i) => event(i)) });
    // A store whose exports wait for a gate, so the states in between can be seen.
    let open!: () => void;
    const gate = new Promise<void>((r) => { open = r; });
    const gated: EventStore = Object.create(stores.store, {
      exportTo: { value: async (...args: Parameters<EventStore['exportTo']>) => { await gate; return stores.store.exportTo(...args); } },
    });
    const jobs = new ExportJobs({ store: gated, jobs: stores.exportJobs, dir: join(dataDir, 'exports'), clock, logger });
    await jobs.start();
    const a = await jobs.create(request);
    const b = await jobs.create({ ...request, exportType: 'json' });
    await new Promise((r) => setTimeout(r, 20));
    expect((await jobs.get('p', a.id))?.status).toBe('running');
    expect((await jobs.get('p', b.id))?.status).toBe('queued');
    expect(await jobs.get('other', a.id)).toBeNull();
    open();
    await jobs.idle();
    const doneA = (await jobs.get('p', a.id)) as ExportJob;
    expect(doneA).toMatchObject({ status: 'done', rows: 10, error: null });
    expect(readFileSync(jobs.path(doneA), 'utf8').trim().split('\n')).toHaveLength(11);
    expect((await jobs.get('p', b.id))?.rows).toBe(10);

    // A job left `running` by a crash runs again after the restart.
    const interrupted: ExportJob = { ...doneA, id: '11111111-1111-4111-8111-111111111111', status: 'running', rows: null, bytes: null, finishedAt: null, startedAt: T0 };
    await stores.exportJobs.insert(interrupted);
    await jobs.close();
    await stores.close();
    stores = await openEmbeddedStores({ dataDir });
    const again = new ExportJobs({ store: stores.store, jobs: stores.exportJobs, dir: join(dataDir, 'exports'), clock, logger });
    await again.start();
    await again.idle();
    expect(await again.get('p', interrupted.id)).toMatchObject({ status: 'done', rows: 10 });
    await again.close();
    await stores.close();
  });

  it('records a failure with its reason and leaves no partial file; cleanup removes old jobs and their files', async () => {
    const dataDir = join(dir, 'b');
    const stores = await openEmbeddedStores({ dataDir });
    await stores.store.append({ events: [event(1)] });
    const failing: EventStore = Object.create(stores.store, {
      exportTo: { value: async () => { throw new Error('disk full'); } },
    });
    const jobs = new ExportJobs({ store: failing, jobs: stores.exportJobs, dir: join(dataDir, 'exports'), clock, logger });
    await jobs.start();
    const job = await jobs.create(request);
    await jobs.idle();
    const failed = (await jobs.get('p', job.id)) as ExportJob;
    expect(failed).toMatchObject({ status: 'failed', error: 'disk full', rows: null });
    expect(existsSync(jobs.path(failed))).toBe(false);

    let now = Date.now();
    const real = new ExportJobs({ store: stores.store, jobs: stores.exportJobs, dir: join(dataDir, 'exports'), clock: { now: () => now }, logger });
    await real.start();
    const kept = await real.create(request);
    await real.idle();
    const file = real.path((await real.get('p', kept.id)) as ExportJob);
    expect(existsSync(file)).toBe(true);
    now += 8 * 86_400_000;
    await real.cleanupTask(7).run();
    expect(await real.get('p', kept.id)).toBeNull();
    expect(await real.get('p', job.id)).toBeNull();
    expect(existsSync(file)).toBe(false);

    // Files whose rows are gone (another instance sharing the job table deleted them, or a crash left them): one last
    // written before the cutoff goes; a recent one, and anything not named like an export file, stay.
    const exportsDir = join(dataDir, 'exports');
    const stray = join(exportsDir, '0b6f2f0e-8d3c-4c55-9d51-2f4a8c1e7a10.parquet');
    const recent = join(exportsDir, '1c7a3b1f-9e4d-4d66-8e62-3a5b9d2f8b21.csv');
    const other = join(exportsDir, 'notes.txt');
    for (const f of [stray, recent, other]) writeFileSync(f, 'x');
    const old = new Date(Date.now() - 8 * 86_400_000);
    utimesSync(stray, old, old);
    utimesSync(other, old, old);
    const cleaner = new ExportJobs({ store: stores.store, jobs: stores.exportJobs, dir: exportsDir, clock: { now: () => Date.now() }, logger });
    await cleaner.cleanupTask(7).run();
    expect([existsSync(stray), existsSync(recent), existsSync(other)]).toEqual([false, true, true]);
    await real.close();
    await jobs.close();
    await stores.close();
  });
});

/** A store whose exports wait until `open()` is called (the states in between can be seen); `entered` once one waits. */
function gatedStore(store: EventStore): { store: EventStore; open: () => void; entered: Promise<void> } {
  let open!: () => void;
  let enter!: () => void;
  const gate = new Promise<void>((r) => { open = r; });
  const entered = new Promise<void>((r) => { enter = r; });
  const gated: EventStore = Object.create(store, {
    exportTo: { value: async (...args: Parameters<EventStore['exportTo']>) => { enter(); await gate; return store.exportTo(...args); } },
  });
  return { store: gated, open, entered };
}

const NO_LIMITS = { maxPending: 0, maxStorageBytes: 0, minFreeBytes: 0 };

describe('ExportJobs limits', () => {
  it('refuses a project\'s job beyond maxPending queued or running, names the limit, and takes one again once a job finished', async () => {
    const dataDir = join(dir, 'pending');
    const stores = await openEmbeddedStores({ dataDir });
    await stores.store.append({ events: [event(1)] });
    const { store, open } = gatedStore(stores.store);
    const jobs = new ExportJobs({ store, jobs: stores.exportJobs, dir: join(dataDir, 'exports'), clock, logger, limits: { ...NO_LIMITS, maxPending: 2 } });
    await jobs.start();
    const a = await jobs.create(request);
    const b = await jobs.create(request);
    const third = await jobs.create(request).then(() => null, (err: unknown) => err);
    expect(third).toBeInstanceOf(ExportLimitError);
    expect((third as ExportLimitError).message).toBe(
      'project p has 2 export jobs queued or running, the most PULSE_EXPORT_MAX_PENDING (2) allows; retry once one has finished');
    expect((third as ExportLimitError).retryAfterSeconds).toBeGreaterThan(0);
    // Nothing was stored for the refused request.
    expect((await jobs.list('p')).map((j) => j.id).sort()).toEqual([a.id, b.id].sort());
    // The limit is per project: another project still gets its jobs.
    const other = await jobs.create({ ...request, project: 'q' });
    expect(other.status).toBe('queued');
    open();
    await jobs.idle();
    expect((await jobs.get('p', a.id))?.status).toBe('done');
    const again = await jobs.create(request);
    expect(again.status).toBe('queued');
    await jobs.idle();

    // Requests at the same moment are counted one after the other: with room for two, two of five are taken.
    const { store: slow, open: openSlow } = gatedStore(stores.store);
    const racing = new ExportJobs({ store: slow, jobs: stores.exportJobs, dir: join(dataDir, 'exports'), clock, logger, limits: { ...NO_LIMITS, maxPending: 2 } });
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => racing.create({ ...request, project: 'r' })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    expect(results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason instanceof ExportLimitError)).toBe(true);
    openSlow();
    await racing.idle();
    await racing.close();
    await jobs.close();
    await stores.close();
  });

  it('keeps a project\'s export files within maxStorageBytes: the oldest finished files go first; a file alone over it fails its job', async () => {
    const dataDir = join(dir, 'storage');
    const stores = await openEmbeddedStores({ dataDir });
    await stores.store.append({ events: Array.from({ length: 10 }, (_, i) => event(i)) });
    const exportsDir = join(dataDir, 'exports');
    // The size of one export of this request (made in another data directory), to set the budget from.
    const probeStores = await openEmbeddedStores({ dataDir: join(dir, 'storage-probe') });
    await probeStores.store.append({ events: Array.from({ length: 10 }, (_, i) => event(i)) });
    const probe = new ExportJobs({ store: probeStores.store, jobs: probeStores.exportJobs, dir: join(dir, 'storage-probe', 'exports'), clock, logger });
    await probe.start();
    const sized = await probe.create(request);
    await probe.idle();
    const size = (await probe.get('p', sized.id))!.bytes!;
    expect(size).toBeGreaterThan(500);
    await probe.close();
    await probeStores.close();

    let now = T0;
    const jobs = new ExportJobs({
      store: stores.store, jobs: stores.exportJobs, dir: exportsDir, clock: { now: () => now }, logger,
      limits: { ...NO_LIMITS, maxStorageBytes: 2 * size + Math.floor(size / 2) },
    });
    await jobs.start();
    // Another project's file is neither counted in p's budget nor removed for it.
    const otherJob = await jobs.create({ ...request, project: 'q' });
    await jobs.idle();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      now += 1000;
      ids.push((await jobs.create(request)).id);
      await jobs.idle();
    }
    const [first, second, third, fourth] = await Promise.all(ids.map(async (id) => (await jobs.get('p', id))!));
    // Two files fit in 2.5 files' budget: the two newest are kept, the two oldest removed, their jobs say why.
    for (const kept of [third!, fourth!]) {
      expect(kept).toMatchObject({ status: 'done', bytes: size, error: null });
      expect(existsSync(jobs.path(kept))).toBe(true);
    }
    for (const gone of [first!, second!]) {
      expect(gone).toMatchObject({ status: 'done', bytes: size, rows: 10 });
      expect(gone.error).toBe(`file removed: project p's export files are kept within PULSE_EXPORT_MAX_STORAGE_MB (${2 * size + Math.floor(size / 2)} bytes), oldest first; run the export again`);
      expect(existsSync(jobs.path(gone))).toBe(false);
    }
    expect(existsSync(jobs.path((await jobs.get('q', otherJob.id))!))).toBe(true);

    // A file alone bigger than the budget: the job fails and leaves no file; the kept ones stay.
    const small = new ExportJobs({
      store: stores.store, jobs: stores.exportJobs, dir: exportsDir, clock: { now: () => now }, logger,
      limits: { ...NO_LIMITS, maxStorageBytes: size - 1 },
    });
    const big = await small.create(request);
    await small.idle();
    const failed = (await small.get('p', big.id))!;
    expect(failed).toMatchObject({ status: 'failed', rows: null, bytes: null });
    expect(failed.error).toBe(`the export is ${size} bytes, more than PULSE_EXPORT_MAX_STORAGE_MB allows a project's export files (${size - 1} bytes); narrow the range or filters, or use format=summary`);
    expect(existsSync(small.path(failed))).toBe(false);
    expect(existsSync(jobs.path(fourth!))).toBe(true);
    await small.close();
    await jobs.close();
    await stores.close();
  });

  it('refuses to create or start a job while the disk has less than minFreeBytes free', async () => {
    const dataDir = join(dir, 'disk');
    const stores = await openEmbeddedStores({ dataDir });
    await stores.store.append({ events: [event(1)] });
    const { store, open, entered } = gatedStore(stores.store);
    let free = 5 * 1048576;
    const jobs = new ExportJobs({
      store, jobs: stores.exportJobs, dir: join(dataDir, 'exports'), clock, logger,
      limits: { ...NO_LIMITS, minFreeBytes: 4 * 1048576 }, freeBytes: async () => free,
    });
    await jobs.start();
    const running = await jobs.create(request);
    const queued = await jobs.create(request);
    // The disk fills while the first runs: the queued one does not start.
    await entered;
    free = 3 * 1048576;
    const refused = await jobs.create(request).then(() => null, (err: unknown) => err);
    expect(refused).toBeInstanceOf(ExportDiskSpaceError);
    expect((refused as Error).message).toBe(
      'only 3 MB free on the disk of the export directory; exports need PULSE_EXPORT_MIN_FREE_MB (4 MB) free to start');
    expect((await jobs.list('p')).length).toBe(2);
    open();
    await jobs.idle();
    expect((await jobs.get('p', running.id))?.status).toBe('done');
    const skipped = (await jobs.get('p', queued.id))!;
    expect(skipped).toMatchObject({ status: 'failed', rows: null });
    expect(skipped.error).toBe('only 3 MB free on the disk of the export directory; exports need PULSE_EXPORT_MIN_FREE_MB (4 MB) free to start');
    expect(existsSync(jobs.path(skipped))).toBe(false);
    // Space again: jobs are taken and run.
    free = 50 * 1048576;
    const later = await jobs.create(request);
    await jobs.idle();
    expect((await jobs.get('p', later.id))?.status).toBe('done');
    await jobs.close();
    await stores.close();
  });
});
