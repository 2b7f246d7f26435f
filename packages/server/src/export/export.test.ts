import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, postJson, startTestPulse } from '../test-support/pulse.js';

type Pulse = Awaited<ReturnType<typeof startTestPulse>>;
let pulse: Pulse;
const scratch = mkdtempSync(join(tmpdir(), 'pulse-export-test-'));
afterAll(async () => {
  await pulse?.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

const H = 3_600_000;
const T0 = Date.parse('2026-11-20T10:00:00Z');
const events = [
  { ts: T0 + 60_000, type: 'llm', model: 'gpt-4o', persona: 'luna', user_id: 'u1', input_tokens: 100, output_tokens: 50, cost_usd: 0.01, duration_ms: 800, status: 'ok', attributes: { channel: 'general', tier: 'pro' }, phases: { llm_inference: 700, discord_send: 100 } },
  { ts: T0 + 120_000, type: 'llm', model: 'gpt-4o', persona: 'luna', user_id: 'u2', input_tokens: 200, output_tokens: 80, cost_usd: 0.02, duration_ms: 1200, status: 'error', error_type: 'timeout' },
  { ts: T0 + H + 60_000, type: 'llm', model: 'claude-3-haiku', persona: 'rex', user_id: 'u1', input_tokens: 300, output_tokens: 20, cost_usd: 0.005, duration_ms: 400, status: 'ok' },
  { ts: T0 + H + 120_000, type: 'message', persona: 'rex', user_id: 'u3', status: 'ok', attributes: { channel: 'random' } },
];
const range = `start_date=${new Date(T0).toISOString()}&end_date=${new Date(T0 + 2 * H).toISOString()}`;

/** Seed 004 sends everything in the query string: a POST with no body. */
async function createExport(query: string): Promise<{ status: number; json: any }> {
  const res = await fetch(`${pulse.url}/v1/analytics/exports?${query}`, { method: 'POST' });
  return { status: res.status, json: await res.json() };
}

async function waitDone(id: string, project = 'default'): Promise<any> {
  for (let i = 0; i < 200; i++) {
    const { json } = await getJson(`${pulse.url}/v1/analytics/exports/${id}?project=${project}`);
    if (json.status === 'done' || json.status === 'failed') return json;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`export ${id} did not finish`);
}

async function exportAndDownload(query: string): Promise<{ job: any; res: Response; body: Buffer }> {
  const created = await createExport(query);
  expect(created.status).toBe(202);
  expect(created.json).toMatchObject({ status: 'queued', download_url: null });
  const job = await waitDone(created.json.id);
  expect(job.status).toBe('done');
  const res = await fetch(`${pulse.url}${job.download_url}`);
  return { job, res, body: Buffer.from(await res.arrayBuffer()) };
}

beforeAll(async () => {
  pulse = await startTestPulse();
  const r = await postJson(`${pulse.url}/v1/events`, { events });
  expect(r.status).toBe(200);
  const other = await postJson(`${pulse.url}/v1/events?project=other`, { events: [{ ts: T0 + 1000, type: 'llm', model: 'gpt-4o', status: 'ok' }] });
  expect(other.status).toBe(200);
});

describe('exports (seed 004: POST/GET /v1/analytics/exports, download)', () => {
  it('CSV: the range and filters of the query layer, a header, RFC 3339 times, maps as JSON, and a download name', async () => {
    const { job, res, body } = await exportAndDownload(`export_type=csv&${range}&model=gpt-4o`);
    expect(job).toMatchObject({ export_type: 'csv', format: 'full', rows: 2, bytes: body.length, filters: { model: ['gpt-4o'] } });
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="pulse-default-full-2026-11-20-2026-11-20.csv"');
    // Exports come in no particular order (docs/api.md): sort by the ts column, the second.
    const [header, ...unsorted] = body.toString('utf8').trim().split('\n');
    const lines = unsorted.sort((a, b) => a.split(',')[1]!.localeCompare(b.split(',')[1]!));
    const cols = header!.split(',');
    expect(cols.slice(0, 4)).toEqual(['project', 'ts', 'id', 'type']);
    expect(cols).not.toContain('seq');
    expect(lines).toHaveLength(2);
    const first = Object.fromEntries(cols.map((c, i) => [c, lines[0]!.split(',')[i]]));
    expect(first).toMatchObject({ project: 'default', ts: '2026-11-20T10:01:00.000Z', model: 'gpt-4o', input_tokens: '100', status: 'ok' });
    // The maps are one JSON object each, quoted by the CSV writer.
    expect(lines[0]).toContain('"{""channel"":""general"",""tier"":""pro""}"');
    expect(lines[1]).toContain('error,timeout');
  });

  it('JSON lines: one object per event with nested attributes and phases', async () => {
    const { job, res, body } = await exportAndDownload(`export_type=json&${range}&persona=rex`);
    expect(job.rows).toBe(2);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    const rows = body.toString('utf8').trim().split('\n').map((l) => JSON.parse(l)).sort((a, b) => a.ts.localeCompare(b.ts));
    expect(rows.map((r) => [r.ts, r.type, r.model, r.user_id])).toEqual([
      ['2026-11-20T11:01:00.000Z', 'llm', 'claude-3-haiku', 'u1'],
      ['2026-11-20T11:02:00.000Z', 'message', null, 'u3'],
    ]);
    expect(rows[1].attributes).toEqual({ channel: 'random' });
    expect(rows[0].input_tokens).toBe(300);
  });

  it('Parquet: typed columns that DuckDB and an independent reader (hyparquet) both read back', async () => {
    const { job, res, body } = await exportAndDownload(`export_type=parquet&${range}`);
    expect(job.rows).toBe(4);
    expect(res.headers.get('content-type')).toBe('application/vnd.apache.parquet');
    const file = join(scratch, 'all.parquet');
    writeFileSync(file, body);

    // pyarrow cannot be installed here (no PyPI); hyparquet is a second, independent Parquet implementation.
    const buffer = await asyncBufferFromFile(file);
    const metadata = await parquetMetadataAsync(buffer);
    const schema = Object.fromEntries(parquetSchema(metadata).children.map((c) => [c.element.name, c.element]));
    expect(schema.ts?.logical_type).toMatchObject({ type: 'TIMESTAMP' });
    expect(schema.input_tokens?.type).toBe('INT32');
    expect(schema.cost_usd?.type).toBe('DOUBLE');
    expect(schema.duration_ms?.type).toBe('FLOAT');
    expect(schema.attributes?.converted_type).toBe('MAP');
    const rows = (await parquetReadObjects({ file: buffer })).sort((a, b) => Number(a.ts) - Number(b.ts));
    expect(rows.map((r) => r.model)).toEqual(['gpt-4o', 'gpt-4o', 'claude-3-haiku', null]);
    expect(rows.map((r) => r.cost_usd)).toEqual([0.01, 0.02, 0.005, null]);
    expect(new Date(rows[0]!.ts as Date).toISOString()).toBe('2026-11-20T10:01:00.000Z');

    const db = await (await DuckDBInstance.create(':memory:')).connect();
    const described = (await db.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`)).getRowObjects();
    const types = Object.fromEntries(described.map((r) => [String(r.column_name), String(r.column_type)]));
    expect(types).toMatchObject({ ts: 'TIMESTAMP', input_tokens: 'INTEGER', cost_usd: 'DOUBLE', duration_ms: 'FLOAT', attributes: 'MAP(VARCHAR, VARCHAR)', phases: 'MAP(VARCHAR, FLOAT)' });
    const [sums] = (await db.runAndReadAll(`SELECT sum(input_tokens)::INTEGER AS t, sum(output_tokens)::INTEGER AS o, count(*)::INTEGER AS n FROM read_parquet('${file}')`)).getRowObjects();
    expect(sums).toEqual({ t: 600, o: 150, n: 4 });
    db.closeSync();
  });

  it('summary: daily figures per type, model and persona, as the query layer computes them', async () => {
    const { job, body } = await exportAndDownload(`export_type=json&format=summary&${range}`);
    const rows = body.toString('utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(job.rows).toBe(3);
    const byModel = Object.fromEntries(rows.map((r) => [`${r.type}/${r.model}`, r]));
    expect(rows.every((r) => r.bucket === '2026-11-20T00:00:00.000Z')).toBe(true);
    expect(byModel['llm/gpt-4o']).toMatchObject({ type: 'llm', model: 'gpt-4o', persona: 'luna', count: 2, input_tokens: 300, output_tokens: 130, errors: 1, error_rate: 0.5, avg_duration_ms: 1000 });
    // From the rollups' sketch when the day is rolled up (within 1 %), from raw events otherwise.
    expect(Math.abs(byModel['llm/gpt-4o'].p50_duration_ms - 1000)).toBeLessThanOrEqual(10);
    expect(byModel['llm/claude-3-haiku'].count).toBe(1);
    expect(byModel['message/null'].count).toBe(1);

    // In Parquet: counts and token sums as integers, the rest as doubles, the day as a timestamp.
    const parquet = await exportAndDownload(`export_type=parquet&format=summary&${range}`);
    const file = join(scratch, 'summary.parquet');
    writeFileSync(file, parquet.body);
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    const described = (await db.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`)).getRowObjects();
    expect(Object.fromEntries(described.map((r) => [String(r.column_name), String(r.column_type)]))).toEqual({
      bucket: 'TIMESTAMP', type: 'VARCHAR', model: 'VARCHAR', persona: 'VARCHAR', count: 'BIGINT', errors: 'BIGINT',
      input_tokens: 'BIGINT', output_tokens: 'BIGINT', cost_usd: 'DOUBLE', avg_duration_ms: 'DOUBLE', p50_duration_ms: 'DOUBLE',
      p95_duration_ms: 'DOUBLE', p99_duration_ms: 'DOUBLE', error_rate: 'DOUBLE',
    });
    const [sums] = (await db.runAndReadAll(`SELECT sum(count)::INTEGER AS n, sum(input_tokens)::INTEGER AS t FROM read_parquet('${file}')`)).getRowObjects();
    expect(sums).toEqual({ n: 4, t: 600 });
    db.closeSync();
  });

  it('lists jobs newest first, per project; another project sees none of them and gets 404 for their ids', async () => {
    const { json } = await getJson(`${pulse.url}/v1/analytics/exports`);
    expect(json.exports.length).toBeGreaterThanOrEqual(4);
    expect(json.exports.every((j: any) => j.project === 'default')).toBe(true);
    // RFC 3339 without the fraction when it is .000, so compare instants, not strings.
    const created = json.exports.map((j: any) => Date.parse(j.created_at));
    expect([...created].sort((a, b) => b - a)).toEqual(created);
    const other = await getJson(`${pulse.url}/v1/analytics/exports?project=other`);
    expect(other.json.exports).toEqual([]);
    const foreign = await getJson(`${pulse.url}/v1/analytics/exports/${json.exports[0].id}?project=other`);
    expect(foreign.status).toBe(404);
    const dl = await fetch(`${pulse.url}/v1/analytics/exports/${json.exports[0].id}/download?project=other`);
    expect(dl.status).toBe(404);
    expect((await getJson(`${pulse.url}/v1/analytics/exports?limit=2`)).json.exports).toEqual(json.exports.slice(0, 2));
    for (const bad of ['0', '1001', '2.5', 'ten']) {
      const res = await getJson(`${pulse.url}/v1/analytics/exports?limit=${bad}`);
      expect(res.status).toBe(400);
      expect(res.json.error.message).toBe('limit: must be a whole number from 1 to 1000');
    }
  });

  it('answers 400 naming the bad parameter, and stores no job for it', async () => {
    const before = (await getJson(`${pulse.url}/v1/analytics/exports`)).json.exports.length;
    const cases: [string, string][] = [
      ['export_type=xml', 'export_type'],
      ['format=partial', 'format'],
      ['colour=red', 'colour'],
      [`start_date=2026-11-21&end_date=2026-11-20`, 'end_date'],
      ['attributes.bad key=1', 'attributes.bad key'],
    ];
    for (const [q, param] of cases) {
      const r = await createExport(q);
      expect(r.status, q).toBe(400);
      expect(r.json.error.message.startsWith(`${param}:`), r.json.error.message).toBe(true);
    }
    expect((await getJson(`${pulse.url}/v1/analytics/exports`)).json.exports.length).toBe(before);
    expect((await getJson(`${pulse.url}/v1/analytics/exports/not-a-uuid`)).status).toBe(400);
    expect((await getJson(`${pulse.url}/v1/analytics/exports/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
  });

  it('a failed export says why, and its download is a 409 naming the state', async () => {
    const exportsDir = join(pulse.dataDir, 'exports');
    rmSync(exportsDir, { recursive: true, force: true });
    writeFileSync(exportsDir, 'not a directory');
    try {
      const created = await createExport(`export_type=csv&${range}`);
      const job = await waitDone(created.json.id);
      expect(job.status).toBe('failed');
      expect(job.error).toMatch(/./);
      expect(job.download_url).toBeNull();
      const dl = await getJson(`${pulse.url}/v1/analytics/exports/${job.id}/download`);
      expect(dl.status).toBe(409);
      expect(dl.json.error.code).toBe('export_not_ready');
      expect(dl.json.error.message).toContain('is failed');
    } finally {
      rmSync(exportsDir, { force: true });
      mkdirSync(exportsDir);
    }
  });

  it('exports every event acknowledged before the job while ingest goes on', async () => {
    const base = T0 + 3 * H;
    const batch = (n: number) => Array.from({ length: 500 }, (_, i) => ({ ts: base + n * 500 + i, type: 'metric', name: 'load', value: i, status: 'ok' }));
    for (let n = 0; n < 4; n++) expect((await postJson(`${pulse.url}/v1/events`, { events: batch(n) })).status).toBe(200);
    const during = (async () => {
      for (let n = 4; n < 12; n++) await postJson(`${pulse.url}/v1/events`, { events: batch(n) });
    })();
    const created = await createExport(`export_type=csv&start_date=${new Date(base).toISOString()}&end_date=${new Date(base + H).toISOString()}`);
    await during;
    const job = await waitDone(created.json.id);
    expect(job.rows).toBeGreaterThanOrEqual(2000);
    expect(job.rows % 500).toBe(0);
  });
});

describe('export limits (PULSE_EXPORT_MAX_PENDING, PULSE_EXPORT_MAX_STORAGE_MB, PULSE_EXPORT_MIN_FREE_MB)', () => {
  it('with PULSE_EXPORT_MAX_PENDING=2 the third POST of a project is a 429 naming the limit, with Retry-After; after one finished a new one is accepted', async () => {
    const limited = await startTestPulse({ env: { LOG_LEVEL: 'warn', PULSE_EXPORT_MAX_PENDING: '2' } });
    // Exports wait for a gate, so the first two stay queued or running.
    let open!: () => void;
    const gate = new Promise<void>((r) => { open = r; });
    try {
      const real = limited.store.exportTo.bind(limited.store);
      limited.store.exportTo = async (...args) => { await gate; return real(...args); };
      const post = async (q = '') => {
        const res = await fetch(`${limited.url}/v1/analytics/exports?export_type=csv${q}`, { method: 'POST' });
        return { status: res.status, json: await res.json() as any, retryAfter: res.headers.get('retry-after') };
      };
      const [a, b] = [await post(), await post()];
      expect([a.status, b.status]).toEqual([202, 202]);
      const third = await post();
      expect(third.status).toBe(429);
      expect(third.json.error.code).toBe('too_many_exports');
      expect(third.json.error.message).toBe(
        'project default has 2 export jobs queued or running, the most PULSE_EXPORT_MAX_PENDING (2) allows; retry once one has finished');
      expect(Number(third.retryAfter)).toBeGreaterThan(0);
      expect((await getJson(`${limited.url}/v1/analytics/exports`)).json.exports).toHaveLength(2);
      // Another project has its own count.
      expect((await post('&project=other')).status).toBe(202);
      open();
      for (const id of [a.json.id, b.json.id]) {
        for (let i = 0; i < 200; i++) {
          const { json } = await getJson(`${limited.url}/v1/analytics/exports/${id}`);
          if (json.status === 'done') break;
          await new Promise((r) => setTimeout(r, 25));
        }
      }
      expect((await post()).status).toBe(202);
    } finally {
      open();
      await limited.dispose();
    }
  });

  it('with PULSE_EXPORT_MAX_STORAGE_MB=1 the oldest file goes when a newer one needs the room (its download is a 410 saying why); a file alone over 1 MB fails', async () => {
    const limited = await startTestPulse({ env: { LOG_LEVEL: 'warn', PULSE_EXPORT_MAX_STORAGE_MB: '1' } });
    try {
      const long = 'x'.repeat(400);
      const events = (from: number) => Array.from({ length: 1400 }, (_, i) => ({ ts: T0 + from + i, type: 'llm', model: 'm', status: 'error', error_type: 'e', error_message: long }));
      expect((await postJson(`${limited.url}/v1/events`, { events: events(0) })).status).toBe(200);
      expect((await postJson(`${limited.url}/v1/events`, { events: events(H) })).status).toBe(200);
      const run = async (start: number, end: number): Promise<any> => {
        const res = await fetch(`${limited.url}/v1/analytics/exports?export_type=csv&start_date=${new Date(T0 + start).toISOString()}&end_date=${new Date(T0 + end).toISOString()}`, { method: 'POST' });
        expect(res.status).toBe(202);
        const { id } = await res.json() as { id: string };
        for (let i = 0; i < 400; i++) {
          const { json } = await getJson(`${limited.url}/v1/analytics/exports/${id}`);
          if (json.status === 'done' || json.status === 'failed') return json;
          await new Promise((r) => setTimeout(r, 25));
        }
        throw new Error(`export ${id} did not finish`);
      };
      const first = await run(0, H);
      const second = await run(H, 2 * H);
      expect(first.bytes).toBeLessThan(1048576);
      expect(first.bytes + second.bytes).toBeGreaterThan(1048576);
      expect(second).toMatchObject({ status: 'done', error: null, download_url: `/v1/analytics/exports/${second.id}/download` });
      expect((await fetch(`${limited.url}${second.download_url}`)).status).toBe(200);
      const evicted = (await getJson(`${limited.url}/v1/analytics/exports/${first.id}`)).json;
      const why = "file removed: project default's export files are kept within PULSE_EXPORT_MAX_STORAGE_MB (1048576 bytes), oldest first; run the export again";
      expect(evicted).toMatchObject({ status: 'done', bytes: first.bytes, download_url: null, error: why });
      expect(evicted.rows).toBe(1400);
      const dl = await getJson(`${limited.url}/v1/analytics/exports/${first.id}/download`);
      expect(dl.status).toBe(410);
      expect(dl.json.error).toEqual({ code: 'export_gone', message: `the file of export ${first.id} is no longer there: ${why}` });

      const both = await run(0, 2 * H);
      expect(both).toMatchObject({ status: 'failed', rows: null, bytes: null, download_url: null });
      expect(both.error).toMatch(/^the export is \d+ bytes, more than PULSE_EXPORT_MAX_STORAGE_MB allows a project's export files \(1048576 bytes\); narrow the range or filters, or use format=summary$/);
      // The newest kept file is still there.
      expect((await fetch(`${limited.url}${second.download_url}`)).status).toBe(200);
    } finally {
      await limited.dispose();
    }
  });

  it('with less free disk than PULSE_EXPORT_MIN_FREE_MB a POST is a 503 insufficient_storage with Retry-After, and no job is stored', async () => {
    // 10 TB: more than this machine's disk has free.
    const full = await startTestPulse({ env: { LOG_LEVEL: 'warn', PULSE_EXPORT_MIN_FREE_MB: '10000000' } });
    try {
      const res = await fetch(`${full.url}/v1/analytics/exports?export_type=csv`, { method: 'POST' });
      expect(res.status).toBe(503);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      const json = await res.json() as any;
      expect(json.error.code).toBe('insufficient_storage');
      expect(json.error.message).toMatch(/^only \d+ MB free on the disk of the export directory; exports need PULSE_EXPORT_MIN_FREE_MB \(10000000 MB\) free to start$/);
      expect((await getJson(`${full.url}/v1/analytics/exports`)).json.exports).toEqual([]);
    } finally {
      await full.dispose();
    }
  });
});
