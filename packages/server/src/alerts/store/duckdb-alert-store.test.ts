import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedStores, type EmbeddedStores } from '../../store/duckdb/index.js';
import { alertStoreContract } from './test-support/alert-store.contract.js';

// The suite itself is shared with PostgreSQL (store/postgres/postgres-meta.test.ts).
alertStoreContract('duckdb', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pulse-alert-store-'));
  let stores: EmbeddedStores = await openEmbeddedStores({ dataDir: dir });
  return {
    store: stores.alerts,
    async reopen() {
      await stores.close();
      stores = await openEmbeddedStores({ dataDir: dir });
      return stores.alerts;
    },
    async cleanup() {
      await stores.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
