import { Command } from 'commander';
import Fastify from 'fastify';
import { loadConfig } from '../config/load.js';
import { createLogger } from '../logger.js';
import { startPulse } from '../server.js';
import { supervise } from '../supervise.js';

/** `pulse serve` — what `npm start` runs. Reads env (+ .env, + PULSE_CONFIG) once. */
export function serveCommand(): Command {
  return new Command('serve')
    .description('run the Pulse server (API; embedded DuckDB store under PULSE_DATA_DIR)')
    .option('--port <port>', 'override ANALYTICS_PORT')
    .option('--host <host>', 'override ANALYTICS_HOST')
    .action(async (o: { port?: string; host?: string }) => {
      const env = { ...process.env };
      if (o.port) env.ANALYTICS_PORT = o.port;
      if (o.host) env.ANALYTICS_HOST = o.host;
      const config = loadConfig({ env });
      const logger = createLogger(config.logLevel);
      if (!config.enabled) {
        // ANALYTICS_ENABLED=false: keep only the liveness endpoint, so orchestration still sees the process.
        const app = Fastify({ loggerInstance: logger });
        app.get('/health', async () => ({ status: 'ok', analytics: 'disabled' }));
        await app.listen({ host: config.host, port: config.port });
        onSignals(() => app.close());
        return;
      }
      // seed 001: `kill -USR2 <pid>` reloads health checks (and alert rules) from the configuration file. Listened for
      // before the start (opening and migrating a large store takes a while): SIGUSR2's default action would end the
      // process; one that arrives meanwhile reloads once the server runs.
      let running: Awaited<ReturnType<typeof supervise>> | null = null;
      let reloadWhenUp = false;
      process.on('SIGUSR2', () => {
        if (running === null) {
          logger.info('SIGUSR2 while starting: the configuration is read again once the server runs');
          reloadWhenUp = true;
          return;
        }
        logger.info('SIGUSR2: reloading the configuration');
        void running.current().reload();
      });
      // Restarted in this process if DuckDB invalidates the database (supervise.ts): the log replays every acknowledged event.
      const server = await supervise({ logger, start: (extra) => startPulse({ env, logger, ...extra }) });
      running = server;
      const pulse = server.current();
      logger.info({ url: pulse.url, dataDir: pulse.config.dataDir }, `Pulse listening on ${pulse.url}`);
      if (reloadWhenUp) void pulse.reload();
      server.failed.catch((err: unknown) => {
        logger.fatal({ err }, 'exiting: the server could not be started again');
        process.exit(1);
      });
      onSignals(async () => {
        logger.info('shutting down: committing accepted events');
        await server.close();
        logger.info('stopped');
      });
    });
}

function onSignals(stop: () => Promise<unknown>): void {
  let stopping = false;
  const handler = (sig: NodeJS.Signals): void => {
    if (stopping) {
      process.stderr.write(`second ${sig}: exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`shutdown failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
