import { totalmem } from 'node:os';
import { describe, expect, it } from 'vitest';
import { HostReader } from './host-reader.js';

describe('HostReader (systeminformation in a worker thread)', () => {
  it('reads the host in its worker, one reading at a time, and refuses after close', async () => {
    const reader = new HostReader();
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
    } finally {
      await reader.close();
    }
    await expect(reader.read()).rejects.toThrow(/closed/);
  });
});
