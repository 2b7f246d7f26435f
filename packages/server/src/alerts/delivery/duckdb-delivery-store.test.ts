import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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

describe('DuckDbDeliveryStore', () => {
  it('creates its table in the embedded file at init, and refuses work once closed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pulse-deliveries-'));
    const stores = await openEmbeddedStores({ dataDir: dir });
    try {
      await stores.deliveries.init();
      const rows = await stores.store.query("SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'alert_deliveries'", []);
      expect(rows[0]?.n).toBe(1);
    } finally {
      await stores.close();
      rmSync(dir, { recursive: true, force: true });
    }
    await expect(stores.deliveries.prune(0)).rejects.toThrow(/delivery store is closed/);
  });
});
