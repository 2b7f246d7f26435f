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

  it('reads raw events, exact percentiles and all, when no rollup row covers any part of the range', () => {
    // Percentiles by persona over the last 24 h: only the daily sketch has persona, and no whole rolled day is inside.
    const last24h = spec({ dimensions: ['persona'], measures: ['count', 'p95_duration_ms'], filters: [], range: { startMs: END - DAY, endMs: END } });
    expect(planRollups(last24h, { daysUntilMs: DAYS_UNTIL, latestRolledMs: END - 1 })).toBeNull();
    // A range before any day was rolled, or reaching into days not rolled yet only.
    expect(planRollups(spec({ ...last24h, range: { startMs: START, endMs: END } }), { daysUntilMs: null })).toBeNull();
    // With one whole rolled day inside, the daily rows answer it.
    const twoDays = planRollups(spec({ ...last24h, range: { startMs: END - 2 * DAY, endMs: END } }), { daysUntilMs: DAYS_UNTIL, latestRolledMs: END - 1 });
    expect(twoDays?.segments.map((s) => s.source)).toEqual(['raw', 'rollup', 'raw']);
  });

  it('never reads raw events past the end, where daily rows are the finest grain and stop before the last day', () => {
    // Percentiles by environment: only the daily sketch (by all ten dimensions) has it.
    const plan = planRollups(spec({ dimensions: ['environment'], measures: ['p95_duration_ms'], filters: [] }), { daysUntilMs: DAYS_UNTIL, latestRolledMs: END - 1 })!;
    expect(plan.grains.map((g) => g.name)).toEqual(['day']);
    expect(plan.openEnd).toBe(false);
    expect(plan.segments.at(-1)).toEqual({ source: 'raw', range: { startMs: DAYS_UNTIL, endMs: END } });
  });
});

describe('planRollups: hours or days over a week', () => {
  const iso = (ms: number): string => new Date(ms).toISOString();
  const hourOf = (ms: number): number => Math.floor(ms / HOUR) * HOUR;
  const names = (segments: readonly Segment[]): string[] => segments.map((s) => (s.source === 'raw' ? 'raw' : s.grain.name));
  const options = { daysUntilMs: DAYS_UNTIL, caughtUp: true, latestRolledMs: END - 1 };

  it('reads hourly rows where daily ones would fit, for up to 7 whole days of partial rows', () => {
    const plan = planRollups(spec(), { ...options, hoursFromMs: Number.NEGATIVE_INFINITY })!;
    expect(shape(plan.segments)).toEqual([
      `raw ${iso(START)} ${iso(hourOf(START) + HOUR)}`,
      `hour ${iso(hourOf(START) + HOUR)} ${iso(hourOf(END) + HOUR)}`,
    ]);
    // Exactly 7 whole days, from midnight to midnight.
    const week = planRollups(spec({ range: { startMs: DAYS_UNTIL - 7 * DAY, endMs: DAYS_UNTIL } }), { ...options, hoursFromMs: DAYS_UNTIL - 7 * DAY })!;
    expect(shape(week.segments)).toEqual([`hour ${iso(DAYS_UNTIL - 7 * DAY)} ${iso(DAYS_UNTIL)}`]);
  });

  it('reads daily rows from 8 whole days on', () => {
    const plan = planRollups(spec({ range: { startMs: END - 9 * DAY, endMs: END } }), { ...options, hoursFromMs: Number.NEGATIVE_INFINITY })!;
    expect(names(plan.segments)).toEqual(['raw', 'hour', 'day', 'hour']);
    expect(plan.segments[2]!.range).toEqual({ startMs: DAYS_UNTIL - 8 * DAY, endMs: DAYS_UNTIL });
  });

  it('reads daily rows when hourly ones may be gone, or unknown', () => {
    for (const hoursFromMs of [START + 1, Number.POSITIVE_INFINITY, undefined]) {
      const plan = planRollups(spec(), { ...options, ...(hoursFromMs === undefined ? {} : { hoursFromMs }) })!;
      expect(names(plan.segments)).toEqual(['raw', 'hour', 'day', 'hour']);
    }
    // From the range's start on, hourly rows are enough.
    expect(names(planRollups(spec(), { ...options, hoursFromMs: START })!.segments)).toEqual(['raw', 'hour']);
  });

  it('reads daily rows for latency sketches, which are many more by the hour', () => {
    const plan = planRollups(spec({ dimensions: ['model'], measures: ['p95_duration_ms'], filters: [] }), { ...options, hoursFromMs: Number.NEGATIVE_INFINITY })!;
    expect(plan.sketches).toEqual(['duration_ms']);
    expect(names(plan.segments)).toEqual(['raw', 'hour', 'day', 'hour']);
  });

  it('keeps minute rows at the edges', () => {
    const plan = planRollups(spec({ dimensions: ['type'], filters: [] }), { ...options, hoursFromMs: Number.NEGATIVE_INFINITY })!;
    expect(names(plan.segments)).toEqual(['raw', 'minute', 'hour', 'minute']);
  });
});
