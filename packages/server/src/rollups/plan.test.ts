import { describe, expect, it } from 'vitest';
import type { QuerySpec } from '../query/types.js';
import { planRollups, type Segment } from './plan.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** 14:37:12.345 on a day; the range starts 7 days and 17 minutes earlier. */
const END = Date.UTC(2026, 10, 20, 14, 37, 12, 345);
const START = END - 7 * DAY - 17 * MIN;
const DAYS_UNTIL = Date.UTC(2026, 10, 20);

const spec = (over: Partial<QuerySpec> = {}): QuerySpec => ({
  project: 'p',
  measures: ['count'],
  dimensions: ['error_type'],
  filters: [{ field: 'status', values: ['error'] }],
  range: { startMs: START, endMs: END },
  ...over,
});

const shape = (segments: readonly Segment[]): string[] =>
  segments.map((s) => `${s.source === 'raw' ? 'raw' : s.grain.name} ${new Date(s.range.startMs).toISOString()} ${new Date(s.range.endMs).toISOString()}`);

describe('planRollups: the range end', () => {
  const hourOf = (ms: number): number => Math.floor(ms / HOUR) * HOUR;

  it('reads the part of the last hour before the end from raw events when the latest rolled-up event is not before it', () => {
    for (const latest of [null, END, END + 5 * MIN]) {
      const plan = planRollups(spec(), { daysUntilMs: DAYS_UNTIL, caughtUp: true, latestRolledMs: latest })!;
      expect(plan.openEnd).toBe(false);
      expect(plan.segments.at(-1)).toEqual({ source: 'raw', range: { startMs: hourOf(END), endMs: END } });
    }
  });

  it('reads the last hour whole from rollup rows when every rolled-up event is before the end', () => {
    const plan = planRollups(spec(), { daysUntilMs: DAYS_UNTIL, caughtUp: false, latestRolledMs: END - 1 })!;
    expect(plan.openEnd).toBe(true);
    expect(shape(plan.segments)).toEqual([
      `raw ${new Date(START).toISOString()} ${new Date(hourOf(START) + HOUR).toISOString()}`,
      `hour ${new Date(hourOf(START) + HOUR).toISOString()} 2026-11-14T00:00:00.000Z`,
      'day 2026-11-14T00:00:00.000Z 2026-11-20T00:00:00.000Z',
      'hour 2026-11-20T00:00:00.000Z 2026-11-20T15:00:00.000Z',
    ]);
    // Events not rolled up yet are still read raw, and never past the end.
    expect(plan.tail).toBe(true);
    expect(plan.range).toEqual({ startMs: START, endMs: END });
  });

  it('changes nothing when the end is on an hour', () => {
    const end = hourOf(END);
    const plan = planRollups(spec({ range: { startMs: START, endMs: end } }), { daysUntilMs: DAYS_UNTIL, latestRolledMs: end - 1 })!;
    expect(plan.openEnd).toBe(false);
    expect(plan.segments.at(-1)).toMatchObject({ source: 'rollup', range: { endMs: end } });
  });

  it('ends on the next minute when minute rows are the finest grain', () => {
    const plan = planRollups(spec({ dimensions: ['type'], filters: [] }), { daysUntilMs: DAYS_UNTIL, latestRolledMs: END - 1 })!;
    expect(plan.openEnd).toBe(true);
    const last = plan.segments.at(-1)!;
    expect(last.source === 'rollup' && last.grain.name).toBe('minute');
    expect(last.range).toEqual({ startMs: hourOf(END), endMs: Math.ceil(END / MIN) * MIN });
  });

  it('never reads raw events past the end, where daily rows are the finest grain and stop before the last day', () => {
    // Percentiles by environment: only the daily sketch (by all ten dimensions) has it.
    const plan = planRollups(spec({ dimensions: ['environment'], measures: ['p95_duration_ms'], filters: [] }), { daysUntilMs: DAYS_UNTIL, latestRolledMs: END - 1 })!;
    expect(plan.grains.map((g) => g.name)).toEqual(['day']);
    expect(plan.openEnd).toBe(false);
    expect(plan.segments.at(-1)).toEqual({ source: 'raw', range: { startMs: DAYS_UNTIL, endMs: END } });
  });
});
