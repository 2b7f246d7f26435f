import { MetricsConnection, type Timers } from './connection.js';
import { render, type TopView } from './render.js';
import type { SocketFactory } from './socket.js';
import { openTerminal, type TerminalStreams } from './terminal.js';
import { sanitize } from './text.js';

export interface TopOptions {
  url: string;
  key?: string;
  project?: string;
  color: boolean;
}

export interface TopDeps extends TerminalStreams {
  stderr: NodeJS.WritableStream;
  socket?: SocketFactory;
  timers?: Timers;
  now?: () => number;
}

/** Width of plain output when stdout is not a terminal, and its cap on table rows. */
const PLAIN_COLUMNS = 120;
const PLAIN_LIST_ROWS = 20;

/**
 * Runs `pulse top` until `q`, Ctrl-C or a fatal error; resolves to the exit code. The terminal is
 * restored before the promise settles, on every path.
 */
export function runTop(opts: TopOptions, deps: TopDeps): Promise<number> {
  const { stdout, stdin } = deps;
  const now = deps.now ?? Date.now;
  const term = openTerminal(deps, stdout.isTTY === true);
  const view: TopView = {
    url: displayUrl(opts.url),
    project: opts.project ?? '—',
    connection: { state: 'connecting' },
    frame: null,
    receivedAt: null,
  };

  return new Promise<number>((resolve) => {
    let finished = false;
    const draw = (): void => {
      if (finished) return;
      try {
        term.draw(
          term.fullScreen
            ? render(view, { columns: stdout.columns ?? 80, rows: stdout.rows ?? 24, color: opts.color, now: now() })
            : render(view, { columns: stdout.columns ?? PLAIN_COLUMNS, rows: Infinity, color: opts.color, now: now(), maxListRows: PLAIN_LIST_ROWS }),
        );
      } catch (err) {
        finish(1, `internal error: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      }
    };
    // Built inside the try below: a bad --url throws there, and finish() gives the terminal back before saying why
    // (written on the alternate screen, the message would vanish with it).
    let conn: MetricsConnection | null = null;
    const connect = (): MetricsConnection => new MetricsConnection(
      { url: opts.url, key: opts.key, project: opts.project, socket: deps.socket, timers: deps.timers, now },
      {
        state: (c) => {
          view.connection = c;
          // Plain output prints frames, and a line when the link goes down; not every intermediate state.
          if (term.fullScreen || c.state === 'disconnected') draw();
        },
        frame: (f, at) => {
          view.frame = f;
          view.receivedAt = at;
          draw();
        },
        hello: (h) => {
          view.project = h.project;
          view.intervalMs = h.interval_ms;
        },
        fatal: (message) => finish(1, message),
      },
    );
    // Ages and the reconnect countdown move even without frames.
    const tick = term.fullScreen ? setInterval(draw, 1000) : null;
    const onKey = (data: Buffer | string): void => {
      const s = data.toString();
      if (s.includes('q') || s.includes('Q') || s.includes('\x03')) finish(0);
    };
    const onSignal = (sig: NodeJS.Signals): void => finish(sig === 'SIGINT' ? 0 : 128 + (sig === 'SIGTERM' ? 15 : 1));
    const onResize = (): void => draw();

    function finish(code: number, message?: string): void {
      if (finished) return;
      finished = true;
      conn?.stop();
      if (tick) clearInterval(tick);
      stdout.off('resize', onResize);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('SIGHUP', onSignal);
      if (stdin.isTTY) {
        stdin.off('data', onKey);
        stdin.pause();
      }
      term.restore();
      if (message) deps.stderr.write(`pulse top: ${sanitize(message)}\n`);
      resolve(code);
    }

    stdout.on('resize', onResize);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.on('SIGHUP', onSignal);
    if (stdin.isTTY) {
      stdin.on('data', onKey);
      stdin.resume();
    }
    try {
      conn = connect();
      draw();
      conn.start();
    } catch (err) {
      finish(1, err instanceof Error ? err.message : String(err));
    }
  });
}

/** The URL as shown on screen: no credentials, no query. */
function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = u.password = u.search = u.hash = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}
