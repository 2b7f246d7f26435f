import { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { openClickHouseEvents } from '../store/clickhouse/open.js';
import { copyEmbeddedEvents, type DayCopy } from '../store/clickhouse/copy-embedded.js';
import { openEmbeddedStores } from '../store/duckdb/index.js';

/**
 * `pulse events copy-to-clickhouse`: moves the events of the embedded file into the ClickHouse of
 * PULSE_CLICKHOUSE_URL, day by day, before Pulse is switched to it (docs/scaling.md#moving-existing-events). The
 * server must be stopped: the file is opened here. Days ClickHouse already holds in full are skipped, so the command
 * can be run again after an interruption; a day it holds in part is reported and left alone (exit status 1).
 */
export function eventsCommand(): Command {
  const cmd = new Command('events').description('the event store');
  cmd
    .command('copy-to-clickhouse')
    .description('copy the events of PULSE_DATA_DIR into PULSE_CLICKHOUSE_URL, day by day (days already there are skipped)')
    .action(async () => {
      const config = loadConfig();
      if (config.clickhouseUrl === null) fail('PULSE_CLICKHOUSE_URL is not set');
      const embedded = await openEmbeddedStores({ dataDir: config.dataDir, memoryLimit: config.duckdbMemoryLimit, rollups: false, userRollups: false })
        .catch((err: Error) => fail(`${err.message} (stop the server first: the data file is opened here)`));
      let error: string | null = null;
      let conflicts: DayCopy[] = [];
      try {
        const target = await openClickHouseEvents({ clickhouseUrl: config.clickhouseUrl, clickhouseShards: config.clickhouseShards, clickhouseCluster: config.clickhouseCluster, rollups: config.rollups, queryTimeoutMs: 600_000 })
          .catch((err: Error) => { throw new Error(`ClickHouse: ${err.message}`); });
        try {
          const days = await copyEmbeddedEvents(embedded.store, target.store, {
            onDay: (d) => process.stdout.write(`${new Date(d.day).toISOString().slice(0, 10)} ${String(d.embedded).padStart(10)} in the file  ${String(d.before).padStart(10)} in ClickHouse before  ${String(d.copied).padStart(10)} copied  ${d.state}\n`),
          });
          conflicts = days.filter((d) => d.state === 'conflict');
          const copied = days.reduce((n, d) => n + d.copied, 0);
          process.stdout.write(`${copied} events copied over ${days.filter((d) => d.state === 'copied').length} days; ${days.filter((d) => d.state === 'present').length} days were there already.\n`);
        } finally {
          await target.close();
        }
      } catch (err) {
        error = (err as Error).message;
      } finally {
        await embedded.close();
      }
      if (error !== null) fail(error);
      if (conflicts.length > 0) {
        fail(`${conflicts.length} day(s) ClickHouse holds in part were not copied (${conflicts.map((d) => new Date(d.day).toISOString().slice(0, 10)).join(', ')}): ` +
          'delete those days there (ALTER TABLE events DELETE WHERE ts >= <day start ms> AND ts < <day end ms>) and run this again');
      }
    });
  return cmd;
}

function fail(msg: string): never {
  process.stderr.write(`pulse: ${msg}\n`);
  process.exit(1);
}
