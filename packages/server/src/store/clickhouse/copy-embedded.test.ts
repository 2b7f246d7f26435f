import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { StoredEvent } from '@pulse/protocol';
import { createClient } from '@clickhouse/client';
import { describe, expect, it } from 'vitest';
import { executeQuery } from '../../query/run.js';
import { EVENTS } from '../../query/test-support/fixture.js';
import { openTestStore } from '../../query/test-support/open-store.js';
import type { QuerySpec } from '../../query/types.js';
import { emptyEvent } from '../contract/fixtures.js';
import { openEmbeddedStores } from '../duckdb/index.js';
import { copyEmbeddedEvents } from './copy-embedded.js';
import { openClickHouseEventStore, type ClickHouseEventStore } from './index.js';
import { repoRoot, useClickHouse } from './test-support/server.js';

const ch = useClickHouse();
const DAY = 86_400_000;
const D0 = Date.UTC(2025, 10, 28);

/** 1,500 events over three UTC days (600, 500, 400), with ids, a user, costs and a phase on some, plus the query fixture's. */
function world(): StoredEvent[] {
  const counts = [600, 500, 400];
  const out: StoredEvent[] = [...EVENTS.map((e, i) => ({ ...e, id: `fixture-${i}` }))];
  counts.forEach((n, d) => {
    for (let i = 0; i < n; i++) {
      out.push(emptyEvent({
        id: `d${d}-${i}`, ts: D0 + d * DAY + i * 60_000, type: i % 3 === 0 ? 'llm' : 'message', project: i % 5 === 0 ? 'p2' : 'p1',
        user_id: `u${i % 7}`, model: i % 3 === 0 ? 'gpt-4o' : null, cost_usd: i % 3 === 0 ? 0.001 * (i % 11) : null,
        duration_ms: i % 3 === 0 ? 100 + (i % 13) : null, status: i % 17 === 0 ? 'error' : 'ok', error_type: i % 17 === 0 ? 'Rate Limit' : null,
        phases: i % 4 === 0 ? { llm_inference: 50 + i } : null, attributes: i % 6 === 0 ? { tier: `t${i % 2}` } : null,
        text_length: i % 3 === 1 ? 20 + i : null, questions: i % 3 === 1 ? i % 2 : null,
      }));
    }
  });
  return out;
}

async function clickhouse(database = `pulse_copy_${randomBytes(6).toString('hex')}`): Promise<{ store: ClickHouseEventStore; cleanup(): Promise<void> }> {
  const url = ch.server().url;
  const store = await openClickHouseEventStore({ url, database });
  return {
    store,
    async cleanup() {
      await store.close();
      const admin = createClient({ url, log: { level: 127 as never } });
      await admin.command({ query: `DROP DATABASE IF EXISTS ${database}` });
      await admin.close();
    },
  };
}

const SPECS: Array<Omit<QuerySpec, 'project'>> = [
  { measures: ['count', 'cost_usd', 'input_tokens', 'errors'], dimensions: ['type', 'model'], filters: [], range: { startMs: 0, endMs: D0 + 10 * DAY }, limit: 100 },
  { measures: ['count', 'unique_users', 'avg_duration_ms'], dimensions: ['user_id'], filters: [], range: { startMs: 0, endMs: D0 + 10 * DAY }, limit: 100 },
  { measures: ['count'], dimensions: ['error_type'], filters: [{ field: 'status', values: ['error'] }], interval: 'day', range: { startMs: 0, endMs: D0 + 10 * DAY }, limit: 100 },
];

describe.skipIf(ch.skip)('pulse events copy-to-clickhouse (copyEmbeddedEvents)', () => {
  it('copies every event, day by day, with every field; a second run copies nothing; a day ClickHouse holds in part is left alone', async () => {
    const events = world();
    const duck = await openTestStore(events);
    const target = await clickhouse();
    try {
      const days: number[] = [];
      const first = await copyEmbeddedEvents(duck, target.store, { pageRows: 170, onDay: (d) => days.push(d.day) });
      // The three synthetic days and the query fixture's days, oldest first, each copied whole.
      const fixtureDays = new Map<number, number>();
      for (const e of EVENTS) fixtureDays.set(Math.floor(e.ts / DAY) * DAY, (fixtureDays.get(Math.floor(e.ts / DAY) * DAY) ?? 0) + 1);
      expect(Math.min(...fixtureDays.keys())).toBeGreaterThan(D0 + 2 * DAY);
      expect(first.map((d) => [d.day, d.embedded, d.before, d.copied, d.state])).toEqual([
        [D0, 600, 0, 600, 'copied'], [D0 + DAY, 500, 0, 500, 'copied'], [D0 + 2 * DAY, 400, 0, 400, 'copied'],
        ...[...fixtureDays].sort(([a], [b]) => a - b).map(([day, n]) => [day, n, 0, n, 'copied']),
      ]);
      expect(days).toEqual(first.map((d) => d.day));
      expect((await target.store.stats()).events).toBe(events.length);

      // Every field of every event, read back from ClickHouse by id.
      const rows = await (await target.store.client.query({
        query: 'SELECT id, project, ts, type, user_id, model, cost_usd, duration_ms, status, error_type, phase_names, phase_values, attr_keys, attr_values, text_length, questions, persona, sentiment FROM events ORDER BY id',
        format: 'JSONEachRow',
      })).json<Record<string, unknown>>();
      const byId = new Map(rows.map((r) => [String(r.id), r]));
      expect(byId.size).toBe(events.length);
      for (const e of events) {
        const r = byId.get(e.id!)!;
        expect([r.project, Number(r.ts), r.type, r.user_id, r.model, r.status, r.error_type, r.persona]).toEqual([e.project, e.ts, e.type, e.user_id, e.model, e.status, e.error_type, e.persona]);
        expect(r.cost_usd === null ? null : Number(r.cost_usd)).toBe(e.cost_usd);
        expect(r.duration_ms === null ? null : Number(r.duration_ms)).toBe(e.duration_ms === null ? null : Math.fround(e.duration_ms));
        expect(r.sentiment === null ? null : Number(r.sentiment)).toBe(e.sentiment === null ? null : Math.fround(e.sentiment));
        expect(Object.fromEntries((r.phase_names as string[]).map((k, i) => [k, Number((r.phase_values as number[])[i])]))).toEqual(e.phases ?? {});
        expect(Object.fromEntries((r.attr_keys as string[]).map((k, i) => [k, (r.attr_values as string[])[i]]))).toEqual(e.attributes ?? {});
        expect([r.text_length, r.questions]).toEqual([e.text_length ?? null, e.questions ?? null]);
      }

      // The query layer answers the same from both stores, per project (ClickHouse's rollups filled as rows went in).
      for (const project of ['p1', 'p2']) {
        for (const spec of SPECS) {
          const a = await executeQuery(duck, { ...spec, project }, 'ms', { rollups: false });
          const b = await executeQuery(target.store, { ...spec, project });
          // Sums of doubles in another order may differ in the last digits: numbers compared to 12 significant digits.
          expect(rounded(b.rows)).toEqual(rounded(a.rows));
        }
      }

      const again = await copyEmbeddedEvents(duck, target.store);
      expect(again.every((d) => d.state === 'present' && d.copied === 0 && d.before === d.embedded)).toBe(true);
      expect((await target.store.stats()).events).toBe(events.length);

      // A day ClickHouse holds in part (events ingested there since, or a copy cut off): reported, nothing copied.
      await target.store.client.command({ query: `ALTER TABLE events DELETE WHERE id = 'd1-7'` });
      await waitFor(async () => (await target.store.stats()).events === events.length - 1);
      const third = await copyEmbeddedEvents(duck, target.store);
      expect(third.find((d) => d.day === D0 + DAY)).toEqual({ day: D0 + DAY, embedded: 500, before: 499, copied: 0, state: 'conflict' });
      expect(third.filter((d) => d.state !== 'present')).toHaveLength(1);
      expect((await target.store.stats()).events).toBe(events.length - 1);
    } finally {
      await duck.close?.();
      await target.cleanup();
    }
  }, 120_000);
});

const rounded = (rows: Record<string, unknown>[]) =>
  rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' ? Number(v.toPrecision(12)) : v])));

const run = promisify(execFile);

/** The real CLI on a real data file: exit status, stdout and stderr. */
async function copyCli(dataDir: string, clickhouseUrl: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, PULSE_DATA_DIR: dataDir, PULSE_CLICKHOUSE_URL: clickhouseUrl };
  for (const k of ['PULSE_STORE', 'PULSE_POSTGRES_URL', 'PULSE_CONFIG', 'ANALYTICS_API_KEY']) delete env[k];
  if (clickhouseUrl === '') delete env.PULSE_CLICKHOUSE_URL;
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'packages/server/src/cli/main.ts', 'events', 'copy-to-clickhouse'], { cwd: repoRoot, env });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe.skipIf(ch.skip)('pulse events copy-to-clickhouse (the CLI, real data file)', () => {
  it('copies, says so per day, copies nothing the second time, and exits 1 naming a day ClickHouse holds in part', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'pulse-copy-events-'));
    const database = `pulse_cli_${randomBytes(6).toString('hex')}`;
    const target = await clickhouse(database);
    try {
      const events = world().filter((e) => e.ts < D0 + 3 * DAY);
      const stores = await openEmbeddedStores({ dataDir });
      await stores.store.append({ events });
      await stores.close();
      const url = `${ch.server().url}/${database}`;

      const first = await copyCli(dataDir, url);
      expect([first.code, first.stderr]).toEqual([0, ""]);
      expect(first.stdout).toMatch(/^2025-11-28\s+600 in the file\s+0 in ClickHouse before\s+600 copied\s+copied$/m);
      expect(first.stdout).toMatch(/^2025-11-30\s+400 in the file\s+0 in ClickHouse before\s+400 copied\s+copied$/m);
      expect(first.stdout).toContain('1500 events copied over 3 days; 0 days were there already.');
      expect((await target.store.stats()).events).toBe(1500);

      const second = await copyCli(dataDir, url);
      expect(second.code).toBe(0);
      expect(second.stdout).toContain('0 events copied over 0 days; 3 days were there already.');

      await target.store.client.command({ query: `ALTER TABLE events DELETE WHERE id IN ('d2-1', 'd2-2')` });
      await waitFor(async () => (await target.store.stats()).events === 1498);
      const third = await copyCli(dataDir, url);
      expect(third.code).toBe(1);
      expect(third.stdout).toMatch(/^2025-11-30\s+400 in the file\s+398 in ClickHouse before\s+0 copied\s+conflict$/m);
      expect(third.stderr).toContain('1 day(s) ClickHouse holds in part were not copied (2025-11-30)');
      expect((await target.store.stats()).events).toBe(1498);

      const unset = await copyCli(dataDir, '');
      expect([unset.code, unset.stderr.trim()]).toEqual([1, 'pulse: PULSE_CLICKHOUSE_URL is not set']);
    } finally {
      await target.cleanup();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting for the mutation');
    await new Promise((r) => setTimeout(r, 100));
  }
}
