/**
 * Keeps a Pulse server running across DuckDB invalidating its database. DuckDB treats some failures as fatal (a
 * checkpoint or a commit that runs out of memory halfway): from then on every statement on every connection fails
 * until the file is closed and opened again (store/duckdb/open.ts). Opening it again replays the write-ahead log, which
 * holds every acknowledged event, so the cure is a restart: this closes the server (requests still queued get 503 and
 * were never acknowledged) and starts it again in the same process, on the same port. `pulse serve` runs under it.
 */
import type { Logger } from 'pino';
import type { StoreRestarts } from './ops/parts.js';
import type { RunningPulse } from './server.js';

export interface SuperviseOptions {
  /** Starts the server; `restarts` goes to StartOptions, `port` (after the first start) keeps the same port. */
  start(extra: { restarts: StoreRestarts; port?: number }): Promise<RunningPulse>;
  logger: Logger;
  /** Wait before a restart; doubled for each restart within `quietMs` of the one before, up to `maxDelayMs`. */
  minDelayMs?: number;
  maxDelayMs?: number;
  quietMs?: number;
  /** Attempts at starting again before giving up (`failed` then rejects: the process should exit). */
  startAttempts?: number;
}

export interface Supervised {
  /** The server running now (a new object after each restart). */
  current(): RunningPulse;
  readonly restarts: StoreRestarts;
  /** Resolves with the next server once a restart is done. */
  nextStart(): Promise<RunningPulse>;
  /** Rejects when the server could not be started again: the caller should exit non-zero. */
  readonly failed: Promise<never>;
  /** Closes the running server (waiting for a restart in progress first). Idempotent. */
  close(): Promise<void>;
}


export async function supervise(options: SuperviseOptions): Promise<Supervised> {
  const { logger } = options;
  const minDelayMs = options.minDelayMs ?? 1_000;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  const quietMs = options.quietMs ?? 60_000;
  const attempts = Math.max(1, options.startAttempts ?? 5);
  const restarts: StoreRestarts = { count: 0, last: null };
  let current = await options.start({ restarts });
  // The port it got (the URL leaves out a scheme's default port, and port 0 asks for any).
  const address = current.app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : Number(new URL(current.url).port);
  let stopping = false;
  let restarting: Promise<void> | null = null;
  // The wait before a start, cut short by close() so a signal during a back-off does not wait it out.
  let wake: (() => void) | null = null;
  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  let delayMs = minDelayMs;
  let waiters: Array<(pulse: RunningPulse) => void> = [];
  let fail: (error: Error) => void = () => undefined;
  const failed = new Promise<never>((_resolve, reject) => {
    fail = reject;
  });
  // Nobody has to listen: `pulse serve` does; a test may not.
  failed.catch(() => undefined);

  const restart = async (error: Error): Promise<void> => {
    const at = Date.now();
    delayMs = restarts.last !== null && at - restarts.last.at < quietMs ? Math.min(maxDelayMs, delayMs * 2) : minDelayMs;
    restarts.count++;
    restarts.last = { at, reason: error.message.split('\n')[0] ?? error.message };
    logger.error({ err: error, restart: restarts.count, delayMs },
      'restarting the server: DuckDB invalidated the database; opening it again replays the write-ahead log, which holds every acknowledged event');
    await current.close().catch((err: unknown) => logger.warn({ err }, 'closing the invalidated server'));
    for (let attempt = 1; !stopping; attempt++) {
      await pause(delayMs);
      wake = null;
      if (stopping) return;
      try {
        current = await options.start({ restarts, port });
        break;
      } catch (err) {
        logger.error({ err, attempt }, 'starting the server again failed');
        if (attempt >= attempts) {
          fail(new Error(`the server could not be started again after ${attempts} attempts: ${err instanceof Error ? err.message : String(err)}`));
          return;
        }
        delayMs = Math.min(maxDelayMs, delayMs * 2);
      }
    }
    if (stopping) return;
    logger.info({ url: current.url, restarts: restarts.count }, 'the server is running again');
    const ready = waiters;
    waiters = [];
    for (const resolve of ready) resolve(current);
  };

  const watch = (pulse: RunningPulse): void => {
    pulse.duckdb?.onFatal((error) => {
      if (stopping || restarting !== null || pulse !== current) return;
      restarting = restart(error).finally(() => {
        restarting = null;
        // Watched only now: a new server whose database is already invalidated is restarted in turn (its listener
        // is called at once), rather than heard while this restart was still marked in progress and ignored.
        if (!stopping && current !== pulse) watch(current);
      });
    });
  };
  watch(current);

  let closing: Promise<void> | null = null;
  return {
    current: () => current,
    restarts,
    nextStart: () => new Promise((resolve) => waiters.push(resolve)),
    failed,
    close: () =>
      (closing ??= (async () => {
        stopping = true;
        wake?.();
        await restarting;
        await current.close();
      })()),
  };
}
