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

describe('HostReader when its helper hangs', () => {
  it('gives up after its timeout, ends the stuck helper, and starts a fresh one for the next reading', async () => {
    const reader = new HostReader({ timeoutMs: 3_000 });
    const within = <T>(p: Promise<T>, ms: number): Promise<T | 'still waiting'> =>
      Promise.race([p, new Promise<'still waiting'>((r) => setTimeout(() => r('still waiting'), ms))]);
    try {
      await reader.read();
      const stuck = reader.pid!;
      // The helper stops answering, as systeminformation stuck in one of its shell commands would.
      process.kill(stuck, 'SIGSTOP');
      const first = await within(reader.read().then(() => 'answered', (e: Error) => e.message), 8_000);
      expect(first).toMatch(/gave no reading within 3000 ms/);
      // Not "already in progress": the next reading gets a new helper, and an answer.
      const next = await within(reader.read(), 10_000);
      expect(next).toMatchObject({ memoryTotalBytes: totalmem() });
      expect(reader.pid).not.toBe(stuck);
      for (let i = 0; i < 50; i++) {
        try { process.kill(stuck, 0); } catch { break; }
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(() => process.kill(stuck, 0)).toThrow(/ESRCH/);
    } finally {
      await reader.close();
    }
  });
});
