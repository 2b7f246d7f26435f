import { describe, expect, it } from 'vitest';
import { probeLatencies } from './live-latency.js';

describe('probeLatencies', () => {
  it('takes, per client and probe, the first frame whose count reached the probe', () => {
    const sent = [1000, 1200, 1400];
    // Client A sees probe 1 at 1900, probes 2 and 3 together at 2900; client B sees 1 and 2 at 2100, never 3.
    const r = probeLatencies(sent, [[1, 1900, 3, 2900], [2, 2100]]);
    expect(r.samplesMs).toEqual([900, 1700, 1500, 1100, 900]);
    expect(r.missing).toBe(1);
  });

  it('a client that saw nothing misses every probe', () => {
    expect(probeLatencies([1, 2], [[]])).toEqual({ samplesMs: [], missing: 2 });
  });
});
