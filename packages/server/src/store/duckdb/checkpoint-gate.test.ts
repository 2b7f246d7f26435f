import { describe, expect, it } from 'vitest';
import { CheckpointGate } from './checkpoint-gate.js';

/** A task that runs until `release()` is called, recording when it started. */
function held(log: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((r) => (release = r));
  return { task: async () => { log.push(`${name} start`); await done; log.push(`${name} end`); }, release };
}
const turn = () => new Promise((r) => setTimeout(r, 5));

describe('checkpoint gate', () => {
  it('lets side transactions overlap, and runs a checkpoint only once none is open', async () => {
    const gate = new CheckpointGate();
    const log: string[] = [];
    const a = held(log, 'a');
    const b = held(log, 'b');
    const pa = gate.shared(a.task);
    const pb = gate.shared(b.task);
    await turn();
    expect(log).toEqual(['a start', 'b start']);
    const pc = gate.exclusive(async () => void log.push('checkpoint'));
    await turn();
    expect(gate.stats()).toEqual({ shared: 2, exclusiveWaiting: 1, exclusiveHeld: false });
    a.release();
    await turn();
    expect(log).not.toContain('checkpoint');
    b.release();
    await Promise.all([pa, pb, pc]);
    expect(log).toEqual(['a start', 'b start', 'a end', 'b end', 'checkpoint']);
    expect(gate.stats()).toEqual({ shared: 0, exclusiveWaiting: 0, exclusiveHeld: false });
  });

  it('holds back side transactions that ask while a checkpoint waits, so the checkpoint never starves', async () => {
    const gate = new CheckpointGate();
    const log: string[] = [];
    const a = held(log, 'a');
    const pa = gate.shared(a.task);
    const c = held(log, 'checkpoint');
    const pc = gate.exclusive(c.task);
    const pl = gate.shared(async () => void log.push('later'));
    await turn();
    expect(log).toEqual(['a start']);
    a.release();
    await turn();
    expect(log).toEqual(['a start', 'a end', 'checkpoint start']);
    c.release();
    await Promise.all([pa, pc, pl]);
    expect(log).toEqual(['a start', 'a end', 'checkpoint start', 'checkpoint end', 'later']);
  });

  it('runs checkpoints one at a time, and hands the gate on when a task throws', async () => {
    const gate = new CheckpointGate();
    const log: string[] = [];
    const first = gate.exclusive(async () => {
      log.push('first');
      await turn();
      throw new Error('refused');
    });
    const second = gate.exclusive(async () => void log.push('second'));
    const side = gate.shared(async () => {
      log.push('side');
      throw new Error('rolled back');
    });
    await expect(first).rejects.toThrow('refused');
    await expect(second).resolves.toBeUndefined();
    await expect(side).rejects.toThrow('rolled back');
    expect(log).toEqual(['first', 'second', 'side']);
    expect(gate.stats()).toEqual({ shared: 0, exclusiveWaiting: 0, exclusiveHeld: false });
  });
});
