import { totalmem } from 'node:os';
import { describe, expect, it } from 'vitest';
import { HostReader } from './host-reader.js';

describe('HostReader (systeminformation in a helper process)', () => {
  it('reads the host in its own process, one reading at a time, and refuses after close, its process gone', async () => {
    const reader = new HostReader();
    let pid: number | null = null;
    try {
      const first = reader.read();
      await expect(reader.read()).rejects.toThrow(/already in progress/);
      const r = await first;
      expect(r.memoryTotalBytes).toBe(totalmem());
      expect(r.memoryAvailableBytes).toBeGreaterThan(0);
      expect(r.memoryAvailableBytes).toBeLessThanOrEqual(r.memoryTotalBytes);
      expect(r.network.some((n) => n.iface === 'lo')).toBe(true);
      const second = await reader.read();
      expect(second.cpuPercent).toBeGreaterThanOrEqual(0);
      expect(second.cpuPercent).toBeLessThanOrEqual(100);
      pid = reader.pid;
      expect(pid).not.toBeNull();
      expect(pid).not.toBe(process.pid);
    } finally {
      await reader.close();
    }
    await expect(reader.read()).rejects.toThrow(/closed/);
    expect(() => process.kill(pid!, 0)).toThrow(/ESRCH/);
  });
});
