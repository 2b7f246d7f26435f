import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

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
 * The worker's code (CommonJS, evaluated): systeminformation is loaded from the path resolved here, so it runs the
 * same from the TypeScript sources (tests) and from dist. One message in, one reading (or error) out.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const si = require(workerData.systeminformation);
parentPort.on('message', async () => {
  try {
    const [load, mem, net] = await Promise.all([si.currentLoad(), si.mem(), si.networkStats('*')]);
    parentPort.postMessage({ ok: true, reading: {
      cpuPercent: load.currentLoad, memoryTotalBytes: mem.total, memoryAvailableBytes: mem.available,
      network: net.map((n) => ({ iface: n.iface, rxBytes: n.rx_bytes || 0, txBytes: n.tx_bytes || 0 })),
    } });
  } catch (error) {
    parentPort.postMessage({ ok: false, error: error instanceof Error ? error.message : String(error) });
  }
});
`;

type Reply = { ok: true; reading: HostReading } | { ok: false; error: string };

/**
 * Reads the host through systeminformation in a worker thread. On Linux systeminformation spawns shells, several
 * with `execSync` (`cat /proc/stat`, the network interfaces' details): under the abuse bench each sample blocked
 * the event loop for 140–280 ms (CPU profile of the server), and `GET /health` with it. In a worker only that
 * thread waits. One reading at a time; the worker is started on the first read, never keeps the process alive,
 * and is started afresh after it failed.
 */
export class HostReader {
  private worker: Worker | null = null;
  private waiting: { resolve: (r: HostReading) => void; reject: (e: Error) => void } | null = null;
  private closed = false;

  read(): Promise<HostReading> {
    if (this.closed) return Promise.reject(new Error('the host reader is closed'));
    if (this.waiting !== null) return Promise.reject(new Error('a host reading is already in progress'));
    const worker = this.start();
    return new Promise<HostReading>((resolve, reject) => {
      this.waiting = { resolve, reject };
      worker.postMessage(null);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = null;
    this.settle(new Error('the host reader is closed'));
    if (worker !== null) await worker.terminate();
  }

  private start(): Worker {
    if (this.worker !== null) return this.worker;
    const systeminformation = createRequire(import.meta.url).resolve('systeminformation');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { systeminformation } });
    worker.unref();
    worker.on('message', (reply: Reply) => {
      if (reply.ok) this.settle(null, reply.reading);
      else this.settle(new Error(`systeminformation: ${reply.error}`));
    });
    const lost = (error: Error): void => {
      if (this.worker === worker) this.worker = null;
      this.settle(error);
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`the host reader's worker exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }

  private settle(error: Error | null, reading?: HostReading): void {
    const waiting = this.waiting;
    this.waiting = null;
    if (waiting === null) return;
    if (error !== null) waiting.reject(error);
    else waiting.resolve(reading as HostReading);
  }
}
