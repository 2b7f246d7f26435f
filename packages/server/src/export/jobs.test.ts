import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredEvent } from '@pulse/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { openEmbeddedStores } from '../store/duckdb/index.js';
import type { EventStore } from '../store/types.js';
import { ExportJobs } from './jobs.js';
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
