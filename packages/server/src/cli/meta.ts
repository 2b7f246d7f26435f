import { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { openEmbeddedStores } from '../store/duckdb/index.js';
import { copyEmbeddedMeta } from '../store/postgres/copy-embedded.js';
import { openPostgresMetaStores } from '../store/postgres/index.js';

/**
 * `pulse meta copy-to-postgres`: moves the metadata of the embedded file (keys, projects, alerting, export jobs,
 * report runs) into the PostgreSQL of PULSE_POSTGRES_URL, so switching to it keeps every key working
 * (docs/scaling.md#moving-existing-metadata). The server must be stopped: the file is opened here.
 */
export function metaCommand(): Command {
  const cmd = new Command('meta').description('the metadata store (keys, projects, alerting, export jobs, report runs)');
  cmd
    .command('copy-to-postgres')
    .description('copy the metadata of PULSE_DATA_DIR into PULSE_POSTGRES_URL (rows already there are kept)')
    .action(async () => {
      const config = loadConfig();
      if (config.postgresUrl === null) fail('PULSE_POSTGRES_URL is not set');
      const embedded = await openEmbeddedStores({ dataDir: config.dataDir, memoryLimit: config.duckdbMemoryLimit })
        .catch((err: Error) => fail(`${err.message} (stop the server first: the data file is opened here)`));
      let error: string | null = null;
      try {
        // Creates the alert tables of a file that never ran alerting, so every table can be read.
        await embedded.alerts.init();
        await embedded.deliveries.init();
        const pg = await openPostgresMetaStores({ url: config.postgresUrl, schema: config.postgresSchema, poolSize: 2, listen: false })
          .catch((err: Error) => { throw new Error(`PostgreSQL: ${err.message}`); });
        try {
          const counts = await copyEmbeddedMeta(embedded.store, pg.db);
          for (const c of counts) {
            process.stdout.write(`${c.table.padEnd(18)} ${String(c.read).padStart(8)} read  ${String(c.copied).padStart(8)} copied\n`);
          }
          process.stdout.write(`copied into schema ${config.postgresSchema}; start Pulse with PULSE_POSTGRES_URL set.\n`);
        } finally {
          await pg.close();
        }
      } catch (err) {
        error = (err as Error).message;
      } finally {
        await embedded.close();
      }
      if (error !== null) fail(error);
    });
  return cmd;
}

function fail(msg: string): never {
  process.stderr.write(`pulse: ${msg}\n`);
  process.exit(1);
}
