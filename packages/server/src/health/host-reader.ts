import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';

/** What systeminformation reports for one sample (the rest of HostDetail comes from node:os and statfs). */
export interface HostReading {
  /** Whole-host CPU use since the previous reading, 0–100 (systeminformation's currentLoad). */
  cpuPercent: number;
  memoryTotalBytes: number;
  memoryAvailableBytes: number;
  /** Counters since boot, per interface. */
  network: Array<{ iface: string; rxBytes: number; txBytes: number }>;
}

/**
 * The helper's code (CommonJS, evaluated): systeminformation is loaded from the path passed in its environment, so it
 * runs the same from the TypeScript sources (tests) and from dist. One message in, one reading (or error) out; it
 * exits when the server does (its IPC channel closes).
 */
const HELPER_SOURCE = `
const si = require(process.env.PULSE_SYSTEMINFORMATION);
process.on('disconnect', () => process.exit(0));
process.on('message', async () => {
  try {
    const [load, mem, net] = await Promise.all([si.currentLoad(), si.mem(), si.networkStats('*')]);
    process.send({ ok: true, reading: {
      cpuPercent: load.currentLoad, memoryTotalBytes: mem.total, memoryAvailableBytes: mem.available,
      network: net.map((n) => ({ iface: n.iface, rxBytes: n.rx_bytes || 0, txBytes: n.tx_bytes || 0 })),
    } });
  } catch (error) {
    process.send({ ok: false, error: error instanceof Error ? error.message : String(error) });
  }
});
`;

type Reply = { ok: true; reading: HostReading } | { ok: false; error: string };

/**
 * Reads the host through systeminformation in a small helper process. On Linux systeminformation spawns shells,
 * several with `execSync` (`cat /proc/stat`, the network interfaces' details). On the event loop each sample blocked
 * it for 140–280 ms under the abuse bench (CPU profile of the server). In a worker thread the loop went on, but each
 * spawn forked the whole server — hundreds of MB of DuckDB's pool and caches to map copy-on-write — and every 10 s
 * the sample took 145 ms and the analytics requests around it 100–280 ms instead of ~60 (a 10M-event store; none
 * slower than 100 ms over 40 s with the sample left out). The helper is started once, on the first read, and its
 * spawns fork only itself (~40 MB). One reading at a time; the helper never keeps the server alive, exits with it,
 * and is started afresh after it failed.
 */
export class HostReader {
  private helper: ChildProcess | null = null;
  private waiting: { resolve: (r: HostReading) => void; reject: (e: Error) => void; timer: NodeJS.Timeout } | null = null;
  private closed = false;
  private readonly timeoutMs: number;

  /**
   * `timeoutMs` bounds one reading (default 15 s: a reading takes well under a second, but the first one starts the
   * helper, slower on a loaded host): a helper that has not answered by then is stuck (a shell command of
   * systeminformation that never returns) and is killed, so the system-sample task, `/api/system` and resource alert
   * rules never wait on it for long; the next reading starts a new one.
   */
  constructor(opts: { timeoutMs?: number } = {}) {
    this.timeoutMs = opts.timeoutMs ?? 15_000;
  }

  read(): Promise<HostReading> {
    if (this.closed) return Promise.reject(new Error('the host reader is closed'));
    if (this.waiting !== null) return Promise.reject(new Error('a host reading is already in progress'));
    const helper = this.start();
    return new Promise<HostReading>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.helper === helper) this.helper = null;
        // SIGKILL: a stopped or wedged helper does not act on SIGTERM.
        helper.kill('SIGKILL');
        this.settle(new Error(`the host reader's helper gave no reading within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      timer.unref();
      this.waiting = { resolve, reject, timer };
      helper.send('read', (error) => {
        if (error) this.settle(error);
      });
    });
  }

  /** The helper's process id, once started (tests). */
  get pid(): number | null {
    return this.helper?.pid ?? null;
  }

  async close(): Promise<void> {
    this.closed = true;
    const helper = this.helper;
    this.helper = null;
    this.settle(new Error('the host reader is closed'));
    if (helper === null || helper.exitCode !== null || helper.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => helper.once('exit', () => resolve()));
    // SIGKILL: the helper keeps no state, and a stuck one would never act on SIGTERM (close would wait forever).
    helper.kill('SIGKILL');
    await exited;
  }

  private start(): ChildProcess {
    if (this.helper !== null) return this.helper;
    const systeminformation = createRequire(import.meta.url).resolve('systeminformation');
    const helper = spawn(process.execPath, ['-e', HELPER_SOURCE], {
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      // Only what its shells need: the server's environment holds keys and database URLs.
      env: { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', PULSE_SYSTEMINFORMATION: systeminformation },
    });
    helper.unref();
    helper.channel?.unref();
    helper.on('message', (reply: Reply) => {
      if (this.helper !== helper) return; // a late answer of a helper given up on
      if (reply.ok) this.settle(null, reply.reading);
      else this.settle(new Error(`systeminformation: ${reply.error}`));
    });
    const lost = (error: Error): void => {
      // A helper already given up on (timed out, closed) must not fail the reading of its successor.
      if (this.helper !== helper) return;
      this.helper = null;
      this.settle(error);
    };
    helper.on('error', lost);
    helper.on('exit', (code, signal) => lost(new Error(`the host reader's helper exited (${signal ?? `code ${code}`})`)));
    this.helper = helper;
    return helper;
  }

  private settle(error: Error | null, reading?: HostReading): void {
    const waiting = this.waiting;
    this.waiting = null;
    if (waiting === null) return;
    clearTimeout(waiting.timer);
    if (error !== null) waiting.reject(error);
    else waiting.resolve(reading as HostReading);
  }
}
