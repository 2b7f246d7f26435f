import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import { eventStoreContract } from '../contract/event-store.contract.js';
import { emptyEvent, fullEvent, series, T0 } from '../contract/fixtures.js';
import { metaStoreContract } from '../contract/meta-store.contract.js';
import { StoreUnavailableError, type IdempotencyRecord } from '../types.js';
import { ROW_GROUP_ROWS } from './event-store.js';
import { openEmbeddedEventStore, openEmbeddedStores, type EmbeddedStores } from './index.js';
import { migrate } from './migrate.js';
import { MIGRATIONS } from './schema.js';

const CHILD = fileURLToPath(new URL('./test-support/store-child.ts', import.meta.url));

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'pulse-duckdb-'));
}

/** Opens stores on a fresh temp dir; `reopen` closes them and opens the same file again. */
async function embeddedFixture(): Promise<{ stores: () => EmbeddedStores; reopen(): Promise<EmbeddedStores>; cleanup(): Promise<void> }> {
  const dir = await tempDir();
  let current = await openEmbeddedStores({ dataDir: dir });
  return {
    stores: () => current,
    async reopen() {
      await current.close();
      current = await openEmbeddedStores({ dataDir: dir });
      return current;
    },
    async cleanup() {
      await current.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

eventStoreContract('duckdb', async () => {
  const f = await embeddedFixture();
  return { store: f.stores().store, reopen: async () => (await f.reopen()).store, cleanup: f.cleanup };
});

describe('DuckDB event store: what its transactions add to the contract', () => {
  const key = (name: string): IdempotencyRecord => ({ project: 'p1', key: name, createdAt: T0, status: 200, response: '{}', fingerprint: null });

  it('rejects a batch repeating an idempotency key, in itself or of a stored batch, whole, and numbers on consecutively', async () => {
    const f = await embeddedFixture();
    const store = f.stores().store;
    try {
      await store.append({ events: series(3, () => ({})), idempotency: [key('first')] });
      const duplicateInBatch = store.append({ events: series(10, () => ({ type: 'bad-batch' })), idempotency: [key('dup'), key('dup')] });
      await expect(duplicateInBatch).rejects.toBeInstanceOf(StoreUnavailableError);
      const duplicateOfStored = store.append({ events: series(10, () => ({ type: 'bad-batch' })), idempotency: [key('first')] });
      await expect(duplicateOfStored).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(await store.query("SELECT count(*) AS n FROM events WHERE type = 'bad-batch'", [])).toEqual([{ n: 0 }]);
      expect(await store.getIdempotency('p1', 'dup')).toBeNull();
      await store.append({ events: series(2, () => ({})), idempotency: [key('after')] });
      // seq: one commit numbers its events consecutively, and a rejected one uses no numbers.
      const seqs = (await store.query('SELECT seq FROM events ORDER BY seq', [])).map((r) => Number(r.seq));
      expect(seqs).toEqual([1, 2, 3, 4, 5]);
    } finally {
      await f.cleanup();
    }
  });
});

metaStoreContract('duckdb', async () => {
  const f = await embeddedFixture();
  return { meta: f.stores().meta, reopen: async () => (await f.reopen()).meta, cleanup: f.cleanup };
});

function startChild(mode: 'hold' | 'append', dir: string): { child: ChildProcess; lines: string[]; waitFor(p: (l: string[]) => boolean): Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, mode, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderr = '';
  const waiters: (() => void)[] = [];
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    lines.push(...chunk.split('\n').filter((l) => l !== ''));
    waiters.splice(0).forEach((w) => w());
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return {
    child,
    lines,
    waitFor: (predicate) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (predicate(lines)) resolve();
          else if (child.exitCode !== null) reject(new Error(`child exited: ${stderr}`));
          else waiters.push(check);
        };
        child.once('exit', () => waiters.splice(0).forEach((w) => w()));
        check();
      }),
  };
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('embedded DuckDB stores', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  async function dir(): Promise<string> {
    const d = await tempDir();
    cleanups.push(() => rm(d, { recursive: true, force: true }));
    return d;
  }
  async function open(dataDir: string, options: Partial<Parameters<typeof openEmbeddedStores>[0]> = {}): Promise<EmbeddedStores> {
    const stores = await openEmbeddedStores({ dataDir, ...options });
    cleanups.push(() => stores.close());
    return stores;
  }

  it('refuses a second open of the same directory in this process, with a clear message', async () => {
    const d = await dir();
    await open(d);
    await expect(openEmbeddedStores({ dataDir: d })).rejects.toThrow(
      /pulse\.duckdb is in use by another Pulse process.*; stop it or use the HTTP API/,
    );
  });

  it('refuses a directory another process holds, naming its PID, and opens it once released', async () => {
    const d = await dir();
    const holder = startChild('hold', d);
    cleanups.push(() => killed(holder.child));
    await holder.waitFor((l) => l.includes('ready'));
    await expect(openEmbeddedStores({ dataDir: d })).rejects.toThrow(
      new RegExp(`pulse\\.duckdb is in use by another Pulse process \\(PID ${holder.child.pid}\\); stop it or use the HTTP API`),
    );
    await killed(holder.child);
    const stores = await open(d);
    expect((await stores.store.stats()).events).toBe(0);
  });

  it('loses no acknowledged batch, and stores no partial one, when the process is killed mid-stream', async () => {
    const d = await dir();
    const writer = startChild('append', d);
    cleanups.push(() => killed(writer.child));
    await writer.waitFor((l) => l.filter((x) => x.startsWith('acked')).length >= 12);
    await killed(writer.child);
    const acked = writer.lines.filter((l) => l.startsWith('acked')).map((l) => Number(l.split(' ')[1]));
    const { store } = await open(d);
    const rows = await store.query('SELECT value AS batch, count(*) AS n FROM events GROUP BY value ORDER BY value', []);
    const stored = new Map(rows.map((r) => [Number(r.batch), Number(r.n)]));
    for (const batch of acked) expect(stored.get(batch), `batch ${batch}`).toBe(200);
    for (const n of stored.values()) expect(n).toBe(200);
    const [seq] = await store.query('SELECT count(DISTINCT seq) AS distinct_seq, count(*) AS n FROM events', []);
    expect(seq?.distinct_seq).toBe(seq?.n);
  });

  it('records migrations once and runs none again on reopen', async () => {
    const d = await dir();
    const first = await openEmbeddedStores({ dataDir: d });
    const versions = await first.store.query('SELECT version, name FROM schema_migrations ORDER BY version', []);
    expect(versions).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
    await first.close();
    const second = await open(d);
    expect(await second.store.query('SELECT count(*) AS n FROM schema_migrations', [])).toEqual([{ n: MIGRATIONS.length }]);
  });

  it('rolls back a migration that fails, recording nothing, and skips those already applied', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    cleanups.push(async () => instance.closeSync());
    const good = { version: 1, name: 'a', sql: ['CREATE TABLE a (x INTEGER)'] };
    const bad = { version: 2, name: 'b', sql: ['CREATE TABLE b (x INTEGER)', 'CREATE TABLE broken (x NO_SUCH_TYPE)'] };
    await expect(migrate(connection, [bad, good], () => 5)).rejects.toThrow(/migration 2 \(b\) failed/);
    const tables = async (): Promise<string[]> =>
      (await connection.runAndReadAll('SELECT table_name FROM information_schema.tables ORDER BY table_name'))
        .getRows()
        .map((r) => String(r[0]));
    expect(await tables()).toEqual(['a', 'schema_migrations']);
    expect(await migrate(connection, [good])).toEqual([]);
    expect(await migrate(connection, [good, { ...bad, sql: ['CREATE TABLE b (x INTEGER)'] }])).toEqual([2]);
    expect(await tables()).toEqual(['a', 'b', 'schema_migrations']);
  });

  it('converts engine types to plain values and binds every parameter kind', async () => {
    const { store } = await open(':memory:');
    await store.append({ events: [fullEvent(), emptyEvent({ ts: T0 + 86_400_000 })] });
    const [row] = await store.query(
      `SELECT sum(input_tokens) AS tokens, sum(input_tokens::HUGEINT) AS huge, 12.50::DECIMAL(10,2) AS dec,
         max(ts) AS ts, min(ts)::DATE AS day, date_trunc('hour', min(ts)) AS hour, true AS yes,
         count(*) FILTER (WHERE list_contains(?, model)) AS listed, ? AS echoed_null, ? + 1 AS int_param,
         ? * 2 AS float_param, ? AS bool_param
       FROM events`,
      [['gpt-4o-mini', 'other'], null, 41, 0.25, false],
    );
    expect(row).toEqual({
      tokens: 1200,
      huge: 1200,
      dec: 12.5,
      ts: T0 + 86_400_000,
      day: Date.UTC(2025, 2, 4),
      hour: Date.UTC(2025, 2, 4, 5),
      yes: true,
      listed: 1,
      echoed_null: null,
      int_param: 42,
      float_param: 0.5,
      bool_param: false,
    });
  });

  it('reuses prepared statements and survives more distinct statements than it caches', async () => {
    const { store } = await open(':memory:');
    await store.append({ events: [fullEvent()] });
    for (let i = 0; i < 300; i++) {
      expect(await store.query(`SELECT ? + ${i} AS v FROM events`, [1])).toEqual([{ v: i + 1 }]);
    }
    for (let i = 0; i < 50; i++) expect(await store.query('SELECT ? AS v', [i])).toEqual([{ v: i }]);
  });

  it('answers a reused prepared statement from the rows as they are now, not as they were when it was prepared', async () => {
    // DuckDB 1.5 keeps statistics-derived rewrites in prepared plans (duckdb/duckdb#23704, #24182); open.ts turns the
    // pass off. With it on, the second round answers [{t: T0, n: 2}], [{n: 0}] and fails the perfect-hash aggregate.
    const { store } = await open(':memory:');
    const day = 86_400_000;
    await store.append({ events: [{ ...fullEvent(), id: 'a', ts: T0 }] });
    const shapes = [
      'SELECT epoch_ms(ts) AS t, count(*) AS n FROM events GROUP BY 1 ORDER BY 1',
      `SELECT count(*) AS n FROM events WHERE ts > TIMESTAMP '${new Date(T0 + day / 2).toISOString().slice(0, 19).replace('T', ' ')}'`,
      'SELECT ts AS t, count(*) AS n FROM events GROUP BY 1 ORDER BY 1',
    ];
    // Every read connection prepares each shape while the table holds one timestamp.
    for (let i = 0; i < 4; i++) for (const sql of shapes) await Promise.all([store.query(sql, []), store.query(sql, []), store.query(sql, [])]);
    await store.append({ events: [{ ...fullEvent(), id: 'b', ts: T0 + day }] });
    for (let i = 0; i < 4; i++) {
      expect(await store.query(shapes[0]!, [])).toEqual([{ t: T0, n: 1 }, { t: T0 + day, n: 1 }]);
      expect(await store.query(shapes[1]!, [])).toEqual([{ n: 1 }]);
      expect((await store.query(shapes[2]!, [])).map((r) => r.n)).toEqual([1, 1]);
    }
  });

  it('writes $n values into the text (literal.ts) and answers a kept plan from the rows as they are now', async () => {
    // With the values written in, DuckDB keeps the plan of the statement (a parameterised one it plans on every run).
    // Prepared while every error_type is short, every status 'error' and every ts T0, so a plan that kept statistics
    // would drop the new rows' filter matches or garble the longer strings it groups.
    const { store } = await open(':memory:');
    await store.append({ events: [{ ...fullEvent(), id: 'a', ts: T0, error_type: 'E1' }] });
    const sql = 'SELECT error_type AS e, count(*) AS n FROM events WHERE status IN ($1) AND ts >= epoch_ms(CAST($2 AS BIGINT)) GROUP BY 1 ORDER BY 1';
    const params = ['ok', T0 + 1000];
    for (let i = 0; i < 4; i++) expect(await Promise.all([store.query(sql, params), store.query(sql, params), store.query(sql, params)])).toEqual([[], [], []]);
    const long = 'ProviderUnavailableError: upstream model endpoint returned 503 after 3 retries';
    await store.append({ events: [{ ...fullEvent(), id: 'b', ts: T0 + 5000, status: 'ok', error_type: long }, { ...fullEvent(), id: 'c', ts: T0 + 6000, status: 'ok', error_type: 'E2' }] });
    for (let i = 0; i < 4; i++) expect(await store.query(sql, params)).toEqual([{ e: 'E2', n: 1 }, { e: long, n: 1 }]);
    // Hostile values are values, not SQL.
    expect(await store.query(sql, ["ok') OR true --", T0])).toEqual([]);
  });

  it('rejects a query with the wrong number of parameters', async () => {
    const { store } = await open(':memory:');
    await expect(store.query('SELECT ? AS a, ? AS b', [1])).rejects.toThrow(/2 parameters, 1 were given/);
  });

  it('reuses its chunk buffers without carrying values, nulls or strings from one batch into the next', async () => {
    const { store } = await open(':memory:');
    const batches = [
      series(3000, (i) => ({
        user_id: `a-user-with-a-long-id-${i}`,
        session_id: `s${i % 7}`,
        value: i,
        phases: { x: i, y: 1 },
        attributes: { k: `v${i}` },
        error_message: 'é'.repeat(i % 20),
      })),
      series(2500, () => ({})),
      series(10, (i) => ({ user_id: `u${i}`, phases: { z: i } })),
    ];
    for (const events of batches) await store.append({ events });
    const rows = await store.query(
      `SELECT user_id, session_id, value, phases['x'] AS x, phases['z'] AS z, cardinality(phases) AS phase_count,
         attributes['k'] AS k, error_message FROM events ORDER BY seq`,
      [],
    );
    const expected = batches.flat().map((e) => ({
      user_id: e.user_id,
      session_id: e.session_id,
      value: e.value,
      x: e.phases?.x ?? null,
      z: e.phases?.z ?? null,
      phase_count: e.phases === null ? null : Object.keys(e.phases).length,
      k: e.attributes?.k ?? null,
      error_message: e.error_message,
    }));
    expect(rows).toEqual(expected);
  });

  it('checkpoints once a row group fills, so the WAL stays small', async () => {
    const d = await dir();
    const { store } = await open(d, { idleCheckpoint: false });
    const wal = async (): Promise<number> => stat(join(d, 'pulse.duckdb.wal')).then((s) => s.size, () => 0);
    const batch = 1000;
    let appended = 0;
    while (appended + batch < ROW_GROUP_ROWS) {
      await store.append({ events: series(batch, (i) => ({ value: appended + i })) });
      appended += batch;
    }
    const before = await wal();
    expect(before).toBeGreaterThan(1_000_000);
    await store.append({ events: series(batch, () => ({})) });
    // Queued behind the checkpoint that the previous append triggered.
    await store.append({ events: series(1, () => ({})) });
    expect(await wal()).toBeLessThan(before / 10);
    expect((await store.stats()).events).toBe(appended + batch + 1);
  });

  it('runs a row-group checkpoint once a side connection\'s write transaction ends, where DuckDB alone refuses it', async () => {
    const d = await dir();
    const opened = await openEmbeddedEventStore({ dataDir: d, rollups: false, idleCheckpoint: false });
    cleanups.push(() => opened.close());
    const { store, db } = opened;
    await db.writeLock.run(() => db.writer.run('CREATE TABLE side_rows AS SELECT 0 AS n'));
    const side = await db.connect();
    cleanups.push(async () => side.closeSync());
    const wal = async (): Promise<number> => stat(join(d, 'pulse.duckdb.wal')).then((s) => s.size, () => 0);
    const stats = async () => (await store.stats()) as { checkpointsFailed?: number; lastCheckpointAt?: number | null };
    /** Appends a whole row group while `open` holds a write transaction on the side connection. */
    const fillRowGroup = async (): Promise<void> => {
      for (let appended = 0; appended < ROW_GROUP_ROWS; appended += 4096) {
        await store.append({ events: series(Math.min(4096, ROW_GROUP_ROWS - appended), () => ({})) });
      }
    };
    // As the rollups' transactions do: rows appended, and a state row updated (an update or delete open elsewhere is
    // what makes DuckDB refuse a checkpoint; appends alone do not).
    const openSide = async (): Promise<void> => {
      await side.run('BEGIN TRANSACTION');
      await side.run('UPDATE side_rows SET n = n + 1');
    };

    // Without the gate (the premise): DuckDB refuses the checkpoint while the side transaction is open.
    await openSide();
    await fillRowGroup();
    await store.append({ events: series(1, () => ({})) }); // queued behind the checkpoint
    expect((await stats()).checkpointsFailed).toBe(1);
    await side.run('COMMIT');

    // Through the gate, as the rollups write: the checkpoint waits for the transaction, then succeeds.
    const before = await wal();
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const transaction = db.checkpointGate.shared(async () => {
      await openSide();
      await released;
      await side.run('COMMIT');
    });
    await fillRowGroup();
    await store.append({ events: series(1, () => ({})) });
    expect(db.checkpointGate.stats().exclusiveWaiting).toBe(1);
    expect((await stats()).checkpointsFailed).toBe(1);
    release();
    await transaction;
    for (const end = Date.now() + 10_000; Date.now() < end && (await wal()) >= before; ) await new Promise((r) => setTimeout(r, 20));
    expect(await wal()).toBeLessThan(before / 10);
    expect((await stats()).checkpointsFailed).toBe(1);
    expect((await store.stats()).events).toBe(2 * ROW_GROUP_ROWS + 2);
    expect(await store.query('SELECT n FROM side_rows', [])).toEqual([{ n: 2 }]);
  });

  it('checkpoints a store whose log stopped growing once the log is large, and leaves a small log alone', async () => {
    const d = await dir();
    const { store } = await open(d, { idleCheckpoint: { intervalMs: 40, walBytes: 200_000 } });
    const wal = async (): Promise<number> => stat(join(d, 'pulse.duckdb.wal')).then((s) => s.size, () => 0);
    const until = async (done: () => Promise<boolean>): Promise<boolean> => {
      for (const end = Date.now() + 3_000; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) if (await done()) return true;
      return false;
    };
    // A small log: still there after many checks.
    await store.append({ events: series(1, () => ({})) });
    const small = await wal();
    expect(small).toBeGreaterThan(0);
    expect(small).toBeLessThan(200_000);
    await new Promise((r) => setTimeout(r, 400));
    expect(await wal()).toBe(small);
    expect((await store.stats()).lastCheckpointAt ?? null).toBeNull();
    // A large one: checkpointed once quiet, every event still there.
    for (let i = 0; i < 4; i++) await store.append({ events: series(1000, (j) => ({ value: i * 1000 + j })) });
    expect(await wal()).toBeGreaterThan(200_000);
    // DuckDB truncates the log inside CHECKPOINT, before the statement returns and the store notes the time: wait for both.
    expect(await until(async () => (await wal()) < 200_000 && (await store.stats()).lastCheckpointAt !== null)).toBe(true);
    expect(await wal()).toBeLessThan(200_000);
    expect((await store.stats()).lastCheckpointAt).not.toBeNull();
    expect((await store.stats()).events).toBe(4001);
    const [sum] = await store.query('SELECT sum(value) AS v FROM events', []);
    expect(Number(sum?.v)).toBe((3999 * 4000) / 2);
  });

  it('deletes expired events in slices, committing appends between them, and keeps events committed after it began', async () => {
    const d = await dir();
    const stores = await openEmbeddedStores({ dataDir: d, deleteSliceRows: 7, rollups: false });
    cleanups.push(() => stores.close());
    const { store } = stores;
    const DAY = 86_400_000;
    const cutoff = T0 + 10 * DAY;
    // 300 events alternating expired / kept, so every slice holds both.
    await store.append({ events: series(300, (i) => ({ ts: i % 2 === 0 ? T0 + i : cutoff + i, value: i })) });
    const expiredLeft = async (): Promise<number> => Number((await store.query('SELECT count(*) AS n FROM events WHERE ts < epoch_ms($1::BIGINT) AND value < 300', [cutoff]))[0]?.n);
    let done = false;
    const deleting = store.deleteBefore(cutoff).finally(() => (done = true));
    // Appends while it runs: late events (old timestamps, committed after the delete's bound: without rollups, the
    // last seq when it was called) and new ones.
    const seen: number[] = [];
    let appended = 0;
    while (!done) {
      await store.append({ events: series(2, (i) => ({ ts: i === 0 ? T0 + 5 : cutoff + 5, value: 1000 + appended + i })) });
      appended += 2;
      seen.push(await expiredLeft());
    }
    expect(await deleting).toBe(150);
    // Commits ran between slices: some append saw the delete half done (one transaction shows 150 or 0, nothing between).
    expect(seen.some((n) => n > 0 && n < 150)).toBe(true);
    const rows = await store.query('SELECT value FROM events ORDER BY seq', []);
    const kept = Array.from({ length: 150 }, (_, k) => 2 * k + 1);
    const during = Array.from({ length: appended }, (_, k) => 1000 + k);
    expect(rows.map((r) => r.value)).toEqual([...kept, ...during]);
    // The late events stay until the next run, which deletes them (and only them).
    expect(await store.deleteBefore(cutoff)).toBe(appended / 2);
    expect((await store.stats()).events).toBe(150 + appended / 2);
  });

  it('rejects a value its column cannot hold exactly, storing nothing of the batch', async () => {
    const { store } = await open(':memory:');
    await expect(store.append({ events: [emptyEvent(), emptyEvent({ input_tokens: 2 ** 31 })] })).rejects.toThrow(
      /does not fit a 32-bit integer column/,
    );
    await expect(store.append({ events: [emptyEvent({ ts: 2 ** 60 })] })).rejects.toThrow(/does not fit a 64-bit column/);
    await store.append({ events: [emptyEvent({ input_tokens: 2 ** 31 - 1 })] });
    expect(await store.query('SELECT input_tokens, seq FROM events', [])).toEqual([{ input_tokens: 2 ** 31 - 1, seq: 1 }]);
  });
});
