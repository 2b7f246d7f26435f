import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateEvents, type StoredEvent } from '@pulse/protocol';
import { openEmbeddedStores, type EmbeddedStores } from '../../store/duckdb/index.js';
import { userRollupTask } from './task.js';

const T0 = Date.parse('2026-03-31T12:00:00Z');
let stores: EmbeddedStores;
beforeAll(async () => {
  stores = await openEmbeddedStores({ dataDir: ':memory:' });
});
afterAll(async () => {
  await stores?.close();
});

function events(n: number): StoredEvent[] {
  const raw = Array.from({ length: n }, (_, i) => ({ ts: T0 + i, type: 'message', user_id: `u${i % 3}`, session_id: 's', persona: 'kai' }));
  return validateEvents(raw, T0 + 60_000).records.map((r) => ({ ...r, project: 'p' }));
}

describe('user rollup task', () => {
  it('writes once enough events wait, or once the last write is old enough', async () => {
    let now = 0;
    const task = userRollupTask({ userRollups: stores.userRollups!, logger: { info: () => undefined }, minEvents: 100, maxWaitMs: 120_000, now: () => now });
    const detail = (): Record<string, unknown> => task.detail!()!;
    await stores.store.append({ events: events(50) });
    await task.run();
    expect(detail()).toMatchObject({ watermark: 0, behind: 50, runs_waiting: 1 });
    now = 60_000;
    await task.run();
    expect(detail()).toMatchObject({ watermark: 0, behind: 50, runs_waiting: 2 });
    // 110 waiting: written at once.
    await stores.store.append({ events: events(60) });
    await task.run();
    expect(detail()).toMatchObject({ watermark: 110, behind: 0, last_run_events: 110, events_rolled_up: 110, whole_hour_cache: { entries: 0, builds: 0, hits: 0 } });
    // 10 waiting: written once two minutes have passed since that write.
    await stores.store.append({ events: events(10) });
    now = 60_000 + 119_000;
    await task.run();
    expect(detail()).toMatchObject({ watermark: 110, behind: 10, runs_waiting: 3 });
    now = 60_000 + 120_000;
    await task.run();
    expect(detail()).toMatchObject({ watermark: 120, behind: 0, last_run_events: 10, events_rolled_up: 120 });
    expect((await stores.store.query(`SELECT sum(n) AS n FROM user_session_day`, []))[0]!.n).toBe(120);
  });
});
