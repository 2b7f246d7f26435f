import { describe, expect, it } from 'vitest';
import { ThrottledLog } from './log.js';

function recorder(): { lines: object[]; logger: { debug(): void; info(): void; error(): void; warn(o: object): void } } {
  const lines: object[] = [];
  return { lines, logger: { debug: () => {}, info: () => {}, error: () => {}, warn: (o: object) => lines.push(o) } };
}

describe('ThrottledLog', () => {
  it('logs the first line of a reason, then one per interval with the count suppressed since', () => {
    let t = 1_000_000;
    const { lines, logger } = recorder();
    const log = new ThrottledLog(logger, 10_000, () => t);
    log.warn('retry', {}, 'm');
    t += 1_000;
    log.warn('retry', {}, 'm');
    log.warn('retry', {}, 'm');
    t += 10_000;
    log.warn('retry', {}, 'm');
    expect(lines).toEqual([{ reason: 'retry' }, { reason: 'retry', suppressed: 2 }]);
  });

  it('is not silenced for hours when the wall clock steps back (NTP, VM resume)', () => {
    let t = 10_000_000;
    const { lines, logger } = recorder();
    const log = new ThrottledLog(logger, 10_000, () => t);
    log.warn('retries_exhausted', {}, 'm');
    t -= 3_600_000; // the clock steps back an hour
    t += 20_000; // 20 s of real time later, drops are still happening
    log.warn('retries_exhausted', {}, 'm');
    expect(lines).toHaveLength(2);
    t += 1_000;
    log.warn('retries_exhausted', {}, 'm');
    expect(lines).toHaveLength(2);
  });
});
