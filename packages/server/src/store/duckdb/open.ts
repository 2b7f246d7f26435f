/**
 * The one DuckDB instance behind the embedded stores: a write connection (used under `writeLock`)
 * and a few read connections, so queries run while a commit is in progress.
 */
import { mkdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { Mutex } from './mutex.js';
import { CheckpointGate } from './checkpoint-gate.js';
import { PreparedConnection } from './prepared-connection.js';

export const DB_FILE_NAME = 'pulse.duckdb';
export const MEMORY = ':memory:';

export interface OpenDuckDbOptions {
  /** Directory of `pulse.duckdb`, or ':memory:' for a throwaway database. */
  dataDir: string;
  /** DuckDB memory_limit, e.g. '512MB'. DuckDB's default is 80% of RAM. */
  memoryLimit?: string;
  threads?: number;
  /** Read connections (default 3). */
  readers?: number;
  /**
   * How often a probe asks DuckDB whether it still answers (`SELECT 1` on a connection of its own), so an invalidated
   * database is noticed even where an error was swallowed (default 2,000 ms; 0 turns the probe off).
   */
  probeIntervalMs?: number;
}

/**
 * DuckDB's fatal errors (a checkpoint or a commit that failed halfway, e.g. out of memory) invalidate the database:
 * every later statement on every connection fails with "database has been invalidated" until the file is closed and
 * opened again, which replays the write-ahead log (every committed transaction is there).
 */
export function isDuckDbFatal(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /^FATAL Error|database has been invalidated/i.test(message);
}

export interface DuckDbHandle {
  /** The database file, or ':memory:'. */
  readonly path: string;
  readonly instance: DuckDBInstance;
  /** The single writer: every append, delete and migration goes through it, under `writeLock`. */
  readonly writer: DuckDBConnection;
  readonly writeLock: Mutex;
  /**
   * Side connections' write transactions (shared) and checkpoints (exclusive) take turns here, so DuckDB never
   * refuses a checkpoint for a transaction open elsewhere (checkpoint-gate.ts). Taken before `writeLock`.
   */
  readonly checkpointGate: CheckpointGate;
  /**
   * `work` in one write transaction on a side connection (the rollups', the user rollups'), under the gate's shared
   * side: BEGIN, then COMMIT, or ROLLBACK if it throws.
   */
  sideTransaction<T>(connection: DuckDBConnection, work: () => Promise<T>): Promise<T>;
  /** `task` (a CHECKPOINT on the writer) in its turn: the gate's exclusive side, then `writeLock`. */
  checkpointTurn<T>(task: () => Promise<T>): Promise<T>;
  /** Connections open to the instance (the writer and the readers). */
  readonly connections: number;
  /** Runs `task` on the least busy read connection. */
  read<T>(task: (connection: PreparedConnection) => Promise<T>): Promise<T>;
  connect(): Promise<DuckDBConnection>;
  /**
   * The fatal error that invalidated the database (isDuckDbFatal), or null while it works. Once set, it stays: only
   * closing the file and opening it again (the server's restart, supervise.ts) brings the data back.
   */
  fatal(): Error | null;
  /** `listener` is called once, when the database is found invalidated (at once if it already is). Returns the unsubscribe. */
  onFatal(listener: (error: Error) => void): () => void;
  /** Users report the errors DuckDB gave them: a fatal one marks the database invalidated at once. */
  noteError(error: unknown): void;
  /** Each user takes a reference; the last `release` checkpoints and closes the file. */
  retain(): void;
  release(): Promise<void>;
}

/** Paths open in this process: DuckDB's file lock only keeps *other* processes out. */
const openInProcess = new Set<string>();

function inUse(path: string, detail: string): Error {
  return new Error(`${path} is in use by another Pulse process${detail}; stop it or use the HTTP API`);
}

async function createInstance(path: string, options: Record<string, string>): Promise<DuckDBInstance> {
  try {
    return await DuckDBInstance.create(path, options);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/Could not set lock on file/i.test(message)) {
      const pid = /PID (\d+)/.exec(message)?.[1];
      throw Object.assign(inUse(path, pid === undefined ? '' : ` (PID ${pid})`), { cause: error });
    }
    throw error;
  }
}

export async function openDuckDb(options: OpenDuckDbOptions): Promise<DuckDbHandle> {
  const memory = options.dataDir === MEMORY;
  let path = MEMORY;
  if (!memory) {
    mkdirSync(options.dataDir, { recursive: true });
    path = join(realpathSync(options.dataDir), DB_FILE_NAME);
    if (openInProcess.has(path)) throw inUse(path, ' (or is already open in this one)');
  }
  const settings: Record<string, string> = {
    // New files use DuckDB 1.5's storage format: its string and float compression took a 1M-event
    // file from 39 to 37 bytes/event. Such a file cannot be opened by DuckDB < 1.5.
    storage_compatibility_version: 'v1.5.0',
    // The event store checkpoints once per filled row group (~30 MB of WAL); this is only the
    // backstop for WAL that other writes produce.
    checkpoint_threshold: '256MB',
    // Results without ORDER BY may come in any order. Every multi-row read of the query layer and the stores has an
    // ORDER BY; keeping insertion order made a 1M-event export buffer its output (CSV: 304 MB peak RSS vs 162 MB;
    // Parquet ran out of the 128 MB pool) and run 2–3× slower (measured: store/duckdb/export.ts).
    preserve_insertion_order: 'false',
    // Read connections keep prepared statements (prepared-connection.ts), and DuckDB 1.5 lets a prepared plan keep
    // what statistics propagation derived from the table as it was when prepared: rows added later can be pruned by
    // a constant filter, grouped into the wrong key, or fail a perfect-hash aggregate ("exceeded total groups") —
    // duckdb/duckdb#23704 and #24182, fixed upstream by skipping the pass for prepared plans (PR #24696, not in
    // 1.5.6). The setting is instance-wide (it cannot be set per connection); store/duckdb/duckdb-store.test.ts
    // shows the wrong answers without it.
    disabled_optimizers: 'statistics_propagation',
  };
  if (options.memoryLimit !== undefined) settings.memory_limit = options.memoryLimit;
  if (options.threads !== undefined) settings.threads = String(options.threads);
  const instance = await createInstance(path, settings);
  if (!memory) openInProcess.add(path);
  try {
    const writer = await instance.connect();
    const readers: { connection: PreparedConnection; pending: number }[] = [];
    for (let i = 0; i < (options.readers ?? 3); i++) {
      readers.push({ connection: new PreparedConnection(await instance.connect()), pending: 0 });
    }
    const writeLock = new Mutex();
    const checkpointGate = new CheckpointGate();
    let refs = 1;
    let closing: Promise<void> | null = null;
    let fatal: Error | null = null;
    const fatalListeners = new Set<(error: Error) => void>();
    const noteError = (error: unknown): void => {
      if (fatal !== null || !isDuckDbFatal(error)) return;
      fatal = error instanceof Error ? error : new Error(String(error));
      for (const listener of [...fatalListeners]) {
        try {
          listener(fatal);
        } catch {
          // A listener's failure is its own; the others still hear.
        }
      }
    };
    const noting = async <T>(work: () => Promise<T>): Promise<T> => {
      try {
        return await work();
      } catch (error) {
        noteError(error);
        throw error;
      }
    };
    const probeMs = options.probeIntervalMs ?? 2_000;
    let probing: Promise<void> | null = null;
    const probe = probeMs <= 0 ? null : setInterval(() => {
      if (probing !== null || fatal !== null || closing !== null) return;
      probing = (async () => {
        const connection = await instance.connect();
        try {
          await connection.run('SELECT 1');
        } finally {
          connection.closeSync();
        }
      })().catch(noteError).finally(() => {
        probing = null;
      });
    }, probeMs);
    probe?.unref();

    const close = async (): Promise<void> => {
      if (probe !== null) clearInterval(probe);
      // A probe under way holds a connection of its own: it is closed before the instance.
      await probing;
      try {
        await writeLock.idle();
        await Promise.allSettled(readers.map((r) => r.connection.close()));
        // An invalidated database cannot checkpoint; its log is replayed when the file is opened again.
        if (!memory && fatal === null) await writer.run('CHECKPOINT');
      } finally {
        writer.closeSync();
        instance.closeSync();
        openInProcess.delete(path);
      }
    };

    return {
      path,
      instance,
      connections: readers.length + 1,
      writer,
      writeLock,
      checkpointGate,
      sideTransaction: (connection, work) =>
        noting(() => checkpointGate.shared(async () => {
          await connection.run('BEGIN TRANSACTION');
          try {
            const result = await work();
            await connection.run('COMMIT');
            return result;
          } catch (error) {
            await connection.run('ROLLBACK').catch(() => undefined);
            throw error;
          }
        })),
      checkpointTurn: (task) => noting(() => checkpointGate.exclusive(() => writeLock.run(task))),
      async read(task) {
        const reader = readers.reduce((a, b) => (b.pending < a.pending ? b : a));
        reader.pending++;
        try {
          return await noting(() => task(reader.connection));
        } finally {
          reader.pending--;
        }
      },
      fatal: () => fatal,
      onFatal(listener) {
        if (fatal !== null) {
          listener(fatal);
          return () => undefined;
        }
        fatalListeners.add(listener);
        return () => fatalListeners.delete(listener);
      },
      noteError,
      connect: () => instance.connect(),
      retain() {
        if (refs === 0) throw new Error(`${path} is closed`);
        refs++;
      },
      release() {
        if (refs > 0) refs--;
        if (refs === 0) closing ??= close();
        return closing ?? Promise.resolve();
      },
    };
  } catch (error) {
    instance.closeSync();
    openInProcess.delete(path);
    throw error;
  }
}
