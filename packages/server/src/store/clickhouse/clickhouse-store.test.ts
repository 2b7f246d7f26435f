import { randomBytes } from 'node:crypto';
import { createClient } from '@clickhouse/client';
import { describe, expect, it } from 'vitest';
import { eventStoreContract } from '../contract/event-store.contract.js';
import { emptyEvent, series, T0 } from '../contract/fixtures.js';
import { openClickHouseEventStore, type ClickHouseEventStore } from './index.js';
import { useClickHouse } from './test-support/server.js';

const ch = useClickHouse();

async function dropDatabase(url: string, database: string): Promise<void> {
  const admin = createClient({ url, log: { level: 127 as never } });
  await admin.command({ query: `DROP DATABASE IF EXISTS ${database}` });
  await admin.close();
}

/** A store on its own database of the file's server; `reopen` connects a new store to the same database. */
async function fixture(): Promise<{ store: ClickHouseEventStore; reopen(): Promise<ClickHouseEventStore>; cleanup(): Promise<void> }> {
  const url = ch.server().url;
  const database = `pulse_contract_${randomBytes(6).toString('hex')}`;
  let store = await openClickHouseEventStore({ url, database });
  return {
    store,
    async reopen() {
      await store.close();
      store = await openClickHouseEventStore({ url, database });
      return store;
    },
    async cleanup() {
      await store.close();
      await dropDatabase(url, database);
    },
  };
}

describe.skipIf(ch.skip)('ClickHouse event store', () => {
  eventStoreContract('clickhouse', fixture);

  it('migrates once: a second store on the same database finds the tables and its data', async () => {
    const f = await fixture();
    try {
      await f.store.append({ events: series(5, () => ({})) });
      const again = await f.reopen();
      expect((await again.stats()).events).toBe(5);
      const versions = await again.client.query({ query: 'SELECT version FROM pulse_migrations FINAL', format: 'JSONEachRow' });
      expect(await versions.json()).toEqual([{ version: 1 }]);
    } finally {
      await f.cleanup();
    }
  });

  it('does not count an idempotency record whose events never arrived', async () => {
    const f = await fixture();
    try {
      // As if the process died between the two INSERTs: the record exists, its batch's events do not.
      await f.store.client.insert({
        table: 'idempotency', format: 'JSONEachRow',
        values: [{ project: 'p1', key: 'k', batch: 'lost', created_at: T0, status: 200, response: '{}', events: 2, min_ts: T0, max_ts: T0 + 1 }],
      });
      expect(await f.store.getIdempotency('p1', 'k')).toBeNull();
      // The client's retry is then stored normally, and from then on the key answers.
      await f.store.append({ events: [emptyEvent(), emptyEvent({ ts: T0 + 1 })], idempotency: [{ project: 'p1', key: 'k', createdAt: T0 + 5, status: 200, response: '{"accepted":2}' }] });
      expect(await f.store.getIdempotency('p1', 'k')).toMatchObject({ createdAt: T0 + 5, response: '{"accepted":2}' });
    } finally {
      await f.cleanup();
    }
  });
});
