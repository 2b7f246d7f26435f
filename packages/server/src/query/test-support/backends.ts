import { randomBytes } from 'node:crypto';
import type { StoredEvent } from '@pulse/protocol';
import { createClient } from '@clickhouse/client';
import { openClickHouseEventStore } from '../../store/clickhouse/index.js';
import { useClickHouse } from '../../store/clickhouse/test-support/server.js';
import type { EventStore } from '../../store/types.js';
import { openTestStore } from './open-store.js';

export interface QueryBackend {
  name: string;
  /** A store of this engine holding `events`; `close()` also removes its data. */
  open(events: readonly StoredEvent[]): Promise<EventStore>;
}

/** A fresh database on a running ClickHouse, holding `events`; `close()` drops it. */
export async function openClickHouseTestStore(url: string, events: readonly StoredEvent[]): Promise<EventStore> {
  const database = `pulse_test_${randomBytes(6).toString('hex')}`;
  const store = await openClickHouseEventStore({ url, database });
  if (events.length > 0) await store.append({ events });
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    const admin = createClient({ url, log: { level: 127 as never } });
    await admin.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await admin.close();
  };
  return store;
}

/**
 * Every event store engine the query tests run on: the embedded DuckDB always, ClickHouse when its server is installed
 * (one per test file, started here; skipped with the reason printed otherwise). Call at the top level of a test file.
 */
export function queryBackends(): QueryBackend[] {
  const ch = useClickHouse();
  const backends: QueryBackend[] = [{ name: 'duckdb', open: (events) => openTestStore(events) }];
  if (!ch.skip) backends.push({ name: 'clickhouse', open: (events) => openClickHouseTestStore(ch.server().url, events) });
  return backends;
}
