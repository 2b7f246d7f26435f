import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedStores, type EmbeddedStores } from '../../store/duckdb/index.js';
import { deliveryStoreContract } from './test-support/delivery-store.contract.js';

deliveryStoreContract('duckdb', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pulse-deliveries-'));
  let stores: EmbeddedStores = await openEmbeddedStores({ dataDir: dir });
  return {
    store: stores.deliveries,
    async reopen() {
      await stores.close();
      stores = await openEmbeddedStores({ dataDir: dir });
      return stores.deliveries;
    },
    async cleanup() {
      await stores.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
