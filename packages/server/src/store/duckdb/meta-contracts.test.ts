/** The backend-neutral contracts of export jobs and report runs on the embedded file (PostgreSQL: store/postgres/). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJobStoreContract } from '../contract/export-jobs.contract.js';
import { reportRunStoreContract } from '../contract/report-runs.contract.js';
import { openEmbeddedStores, type EmbeddedStores } from './index.js';

async function embedded(): Promise<{ current(): EmbeddedStores; reopen(): Promise<EmbeddedStores>; cleanup(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'pulse-meta-contracts-'));
  let stores = await openEmbeddedStores({ dataDir: dir });
  return {
    current: () => stores,
    async reopen() {
      await stores.close();
      stores = await openEmbeddedStores({ dataDir: dir });
      return stores;
    },
    async cleanup() {
      await stores.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

exportJobStoreContract('duckdb', async () => {
  const e = await embedded();
  return { jobs: e.current().exportJobs, reopen: async () => (await e.reopen()).exportJobs, cleanup: e.cleanup };
});

// One process holds the file, so there is no second instance to race with (`second` left out).
reportRunStoreContract('duckdb', async () => {
  const e = await embedded();
  return { runs: e.current().reportRuns, reopen: async () => (await e.reopen()).reportRuns, cleanup: e.cleanup };
});
