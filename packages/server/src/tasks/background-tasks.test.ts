import { describe, expect, it, vi } from 'vitest';
import { BackgroundTasks } from './background-tasks.js';

const logger = { error: vi.fn(), warn: vi.fn() };
const clock = { now: () => Date.now() };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('BackgroundTasks', () => {
  it('runs on schedule, never overlapping, and records each run', async () => {
    const tasks = new BackgroundTasks({ clock, logger });
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    tasks.schedule({
      name: 'slow', description: 'takes longer than its interval', intervalMs: 10, firstDelayMs: 0,
      run: async () => {
        active += 1;
        maxActive = Math.max(maxActive, active);
        await sleep(30);
        active -= 1;
        runs += 1;
      },
    });
    await sleep(200);
    await tasks.close();
    expect(maxActive).toBe(1);
    expect(runs).toBeGreaterThanOrEqual(3);
    const [info] = tasks.list();
    expect(info).toMatchObject({ name: 'slow', runs, failures: 0, running: false, nextRunAt: null });
    expect(info!.overruns).toBe(runs);
    expect(info!.lastDurationMs).toBeGreaterThanOrEqual(25);
  });

  it('a task scheduled again under its name (a reload) goes on counting from where the stopped one was', async () => {
    const tasks = new BackgroundTasks({ clock, logger });
    const spec = (fail: boolean) => ({ name: 'health-check-web', description: 'probe', intervalMs: 60_000, run: async () => { if (fail) throw new Error('down'); } });
    const stop = tasks.schedule(spec(true));
    for (let i = 0; i < 3; i++) await tasks.runNow('health-check-web');
    expect(tasks.list()[0]).toMatchObject({ runs: 3, failures: 3 });
    stop();
    tasks.schedule(spec(false));
    await tasks.runNow('health-check-web');
    expect(tasks.list()[0]).toMatchObject({ runs: 4, failures: 3 });
    await tasks.close();
  });

  it('counts a failing run, logs it and keeps the schedule', async () => {
    const tasks = new BackgroundTasks({ clock, logger });
    let calls = 0;
    tasks.schedule({
      name: 'flaky', description: 'fails first', intervalMs: 5, firstDelayMs: 0,
      run: async () => {
        calls += 1;
        if (calls === 1) throw new Error('store unavailable');
      },
    });
    await sleep(60);
    await tasks.close();
    const [info] = tasks.list();
    expect(info!.failures).toBe(1);
    expect(info!.runs).toBeGreaterThanOrEqual(2);
    expect(info!.lastError).toBeNull();
    expect(logger.error).toHaveBeenCalled();
  });

  it('runNow waits for a run in progress instead of overlapping it; duplicate names are refused', async () => {
    const tasks = new BackgroundTasks({ clock, logger });
    let active = 0;
    let maxActive = 0;
    tasks.schedule({
      name: 'once', description: 'manual', intervalMs: 60_000,
      run: async () => {
        active += 1;
        maxActive = Math.max(maxActive, active);
        await sleep(20);
        active -= 1;
      },
    });
    expect(() => tasks.schedule({ name: 'once', description: 'again', intervalMs: 1, run: async () => {} })).toThrow(/already/);
    await Promise.all([tasks.runNow('once'), tasks.runNow('once')]);
    expect(maxActive).toBe(1);
    expect(tasks.list()[0]!.runs).toBeGreaterThanOrEqual(1);
    await expect(tasks.runNow('missing')).rejects.toThrow(/no background task/);
    await tasks.close();
  });

  it('runs a leader-only task only while this instance leads, counts the skipped runs and says who leads', async () => {
    let leading = false;
    const tasks = new BackgroundTasks({ clock, logger, leadership: { instance: 'two', isLeader: () => leading, leaderInstance: () => (leading ? 'two' : 'one') } });
    const ran = { once: 0, everywhere: 0 };
    tasks.schedule({ name: 'alert-evaluation', description: 'once', intervalMs: 10, firstDelayMs: 0, leaderOnly: true, run: async () => void ran.once++ });
    tasks.schedule({ name: 'health-checks', description: 'each instance', intervalMs: 10, firstDelayMs: 0, run: async () => void ran.everywhere++ });
    await sleep(60);
    expect(ran.once).toBe(0);
    expect(ran.everywhere).toBeGreaterThanOrEqual(2);
    await tasks.runNow('alert-evaluation'); // an operator's run on a follower does not run it either
    expect(ran.once).toBe(0);
    const [once, everywhere] = tasks.list();
    expect(once).toMatchObject({ leaderOnly: true, leader: false, leaderInstance: 'one', runs: 0 });
    expect(once!.skipped).toBeGreaterThanOrEqual(3);
    expect(everywhere).toMatchObject({ leaderOnly: false, leader: true, skipped: 0 });
    expect(everywhere).not.toHaveProperty('leaderInstance');
    expect(tasks.leaderStatus()).toEqual({ instance: 'two', leader: false, leaderInstance: 'one' });
    leading = true;
    await sleep(60);
    await tasks.close();
    expect(ran.once).toBeGreaterThanOrEqual(2);
    expect(tasks.list()[0]).toMatchObject({ leader: true, leaderInstance: 'two' });
    expect(tasks.leaderStatus()).toEqual({ instance: 'two', leader: true, leaderInstance: 'two' });
  });
});
