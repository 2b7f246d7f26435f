import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredEvent } from '@pulse/protocol';
import { openEmbeddedStores } from '../../store/duckdb/index.js';
import type { EventStore } from '../../store/types.js';

/** The real embedded DuckDB store in a fresh temp dir, holding `events`. `close()` also removes the dir. */
export async function openTestStore(events: readonly StoredEvent[]): Promise<EventStore> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pulse-query-'));
  const stores = await openEmbeddedStores({ dataDir });
  await stores.store.append({ events });
  const store = stores.store;
  return {
    dialect: store.dialect,
    init: () => store.init(),
    append: (batch) => store.append(batch),
    getIdempotency: (project, key) => store.getIdempotency(project, key),
    query: (sql, params) => store.query(sql, params),
    deleteBefore: (ms, opts) => store.deleteBefore(ms, opts),
    exportTo: (source, path, format) => store.exportTo(source, path, format),
    stats: () => store.stats(),
    close: async () => {
      await stores.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
