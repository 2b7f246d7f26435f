/**
 * CPU used over one interval by named server processes (each read by its own function: one process, or a process
 * with its children) and by this client process, with the wall time. What a load row charges to each side.
 */
export type CpuReader = () => number | null;

export interface CpuUsage {
  wallSeconds: number;
  /** CPU seconds per name; null when a reading failed (the process is gone, or not on this machine). */
  servers: Record<string, number | null>;
  clientSeconds: number;
}

export interface CpuWindow {
  stop(): CpuUsage;
}

export function startCpuWindow(readers: Record<string, CpuReader>): CpuWindow {
  const wall0 = performance.now();
  const before = Object.fromEntries(Object.entries(readers).map(([name, read]) => [name, read()]));
  const client0 = process.cpuUsage();
  return {
    stop() {
      const client = process.cpuUsage(client0);
      const servers: Record<string, number | null> = {};
      for (const [name, read] of Object.entries(readers)) {
        const a = before[name];
        const b = read();
        servers[name] = a === null || a === undefined || b === null ? null : b - a;
      }
      return { wallSeconds: (performance.now() - wall0) / 1000, servers, clientSeconds: (client.user + client.system) / 1e6 };
    },
  };
}

/** CPU seconds as % of one core over the window. */
export const cpuPct = (seconds: number | null, u: CpuUsage): number | null => (seconds === null ? null : (seconds / u.wallSeconds) * 100);
