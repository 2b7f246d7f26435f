import type { MeasureName } from '../query/measures.js';
import type { DimensionName, Interval, QuerySpec, TimeRange } from '../query/types.js';
import { GRAIN_MS, GRAINS, ROLLUP_DIMENSIONS, type Grain, type GrainName, type PartialName } from './definition.js';
import { rollupMeasure } from './measures.js';

/**
 * Whether a query can read rollups, and which rows cover its range. A grain is usable when its table holds every
 * dimension the query groups or filters by, every partial its measures need (and sketches or phase rows when it
 * asks for them), and its buckets nest in the query's interval and time-of-day dimensions. The range is then cut
 * into segments: the coarsest usable grain for the aligned middle, finer grains towards the edges, raw events for
 * what is left at either end (less than the finest grain) — and, always, raw events committed after the rollups'
 * watermark inside the rolled-up segments.
 */
export type Segment = { source: 'raw'; range: TimeRange } | { source: 'rollup'; grain: Grain; range: TimeRange };

export interface RollupPlan {
  grains: readonly Grain[];
  /** In time order, covering the query's range exactly once. */
  segments: readonly Segment[];
  /** Partial columns the measures read. */
  partials: readonly PartialName[];
  /** Latency columns whose sketches the measures read. */
  sketches: readonly ('duration_ms' | 'ttft_ms')[];
  /** The query groups by `phase`: its rows come from the phase tables. */
  phases: boolean;
  /**
   * Read raw events past the watermark inside the rolled-up segments. False only when every event committed when
   * the query was planned was already rolled up: nothing acknowledged before the query began can be past it then.
   */
  tail: boolean;
  /** The query's range: the raw tail never reads past its end, even where the last segment's buckets do. */
  range: TimeRange;
  /**
   * The last segment reads its final bucket whole, past the range's end (`PlanOptions.latestRolledMs`): the answer
   * holds only if no event at or after the end was rolled up before the statement ran (query/run.ts checks again).
   */
  openEnd: boolean;
  /**
   * Where the plan reads hourly rows in place of daily ones (SHORT_DAYS), the range start they must be whole from;
   * else null. The answer holds only if no retention run started deleting hourly rows after it before the statement
   * ran: query/run.ts checks Rollups.hoursFrom again after the read.
   */
  hoursNeededFrom: number | null;
}

export interface PlanOptions {
  /** Ranges up to this long read raw events (default RAW_RANGE_MS). */
  rawRangeMs?: number;
  /** The end of the days in the daily tables (Rollups.daysUntil); null: none. */
  daysUntilMs?: number | null;
  /** Every committed event is rolled up (Rollups.caughtUp): the query needs no raw tail. */
  caughtUp?: boolean;
  /**
   * The latest `ts` among the project's rolled-up events (Rollups.latestRolled; null or absent: unknown). When it is
   * before the range's end, every rolled-up event of the finest grain's last bucket is inside the range, so that
   * bucket is read whole from rollup rows instead of its part before the end from raw events — a range up to now,
   * the dashboard's every view, then reads no raw events at its end.
   */
  latestRolledMs?: number | null;
  /**
   * Hourly rows are complete from this time on (Rollups.hoursFrom; absent: unknown). Only a range starting at or after
   * it may read hourly rows where daily ones would fit (SHORT_DAYS).
   */
  hoursFromMs?: number;
}

const ROLLUP_DIMENSION_SET: ReadonlySet<string> = new Set(ROLLUP_DIMENSIONS);
const ORDER: Record<GrainName | Interval, number> = { minute: 0, hour: 1, day: 2, week: 3, month: 4 };
/** Time-of-day dimensions and the coarsest grain that still has them. */
const TIME_DIMENSIONS: Partial<Record<DimensionName, GrainName>> = { hour_of_day: 'hour', weekday: 'day' };

/**
 * Ranges up to this long read raw events: they are cheap from raw rows (at 10M stored events, 6 hours hold ~80k
 * events), their percentiles stay exact, and short windows — alert rules, the live 15-minute and 1-hour views — see
 * each event as it is. Longer ranges read rollups: at 10M events the 24-hour presets took 1.5–2× less time from them
 * than from raw rows (measured side by side; docs/benchmarks.md has the figures of the query bench).
 */
export const RAW_RANGE_MS = 6 * 3_600_000;

/**
 * Up to this many whole days, a query of partial rows only (no latency sketches) reads hourly rows where daily ones
 * would fit. Days in the middle of a range split its hourly rows in two, so they cost two more parts of the statement
 * (~0.3 ms each with DuckDB, mostly fixed) to save ~0.1 ms of hourly rows a day (at 10M events, ~5,900 hourly rows a
 * day against ~480 daily ones): errors by type over 7 days took 2.2–2.5 ms in-process this way against 2.6–2.7 ms with
 * days (docs/benchmarks.md). Sketch rows are ~9× as many by the hour as by the day, so sketches read days wherever
 * they fit.
 */
export const SHORT_DAYS = 7;

/**
 * The rollup plan for `spec`, or null when it reads raw events: a range up to `rawRangeMs`, a measure, dimension
 * or filter the rollups do not keep, or a range no rollup row of a usable grain covers any part of.
 */
export function planRollups(spec: QuerySpec, options: PlanOptions = {}): RollupPlan | null {
  const rawRangeMs = options.rawRangeMs ?? RAW_RANGE_MS;
  const daysUntilMs = options.daysUntilMs ?? null;
  if (spec.per !== undefined) return null;
  if (spec.range.endMs - spec.range.startMs <= rawRangeMs) return null;
  const measures = [...new Set(spec.measures)];
  const phases = spec.dimensions.includes('phase');
  const partials = new Set<PartialName>();
  const sketches = new Set<'duration_ms' | 'ttft_ms'>();
  for (const m of measures) {
    const def = rollupMeasure(m as MeasureName);
    if (def === undefined) return null;
    if (phases) {
      // Rows are (event, phase) pairs: only what the phase rows hold.
      if (!('phase' in def) && m !== 'count') return null;
      continue;
    }
    if ('phase' in def) return null;
    if ('sketch' in def) sketches.add(def.sketch.column);
    else def.partials.forEach((p) => partials.add(p));
  }
  let coarsest: GrainName = 'day';
  const stringDims: string[] = [];
  for (const d of spec.dimensions) {
    if (d === 'phase') continue;
    const limit = TIME_DIMENSIONS[d];
    if (limit !== undefined) {
      if (ORDER[limit] < ORDER[coarsest]) coarsest = limit;
      continue;
    }
    if (!ROLLUP_DIMENSION_SET.has(d)) return null;
    stringDims.push(d);
  }
  for (const f of spec.filters) {
    if (!ROLLUP_DIMENSION_SET.has(f.field)) return null;
    stringDims.push(f.field);
  }
  if (spec.interval !== undefined && ORDER[spec.interval] < ORDER[coarsest]) coarsest = spec.interval as GrainName;
  const grains = GRAINS.filter(
    (g) =>
      ORDER[g.name] <= ORDER[coarsest] &&
      stringDims.every((d) => (g.dimensions as readonly string[]).includes(d)) &&
      [...partials].every((p) => g.partials.includes(p)) &&
      (sketches.size === 0 || g.sketchTables.some((t) => stringDims.every((d) => (t.dimensions as readonly string[]).includes(d)))) &&
      (!phases || g.phasesTable !== null),
  );
  if (grains.length === 0) return null;
  const { range } = spec;
  const latest = options.latestRolledMs ?? null;
  const finest = GRAIN_MS[grains[grains.length - 1]!.name];
  const read = latest !== null && latest < range.endMs ? { startMs: range.startMs, endMs: Math.ceil(range.endMs / finest) * finest } : range;
  // Raw events never past the range's end (the daily tables may stop before the last day: raw then covers the rest).
  const wholeDays = Math.floor(read.endMs / GRAIN_MS.day) - Math.ceil(read.startMs / GRAIN_MS.day);
  const byHours = sketches.size === 0 && grains[0]?.name === 'day' && grains[1]?.name === 'hour' && wholeDays <= SHORT_DAYS &&
    read.startMs >= (options.hoursFromMs ?? Infinity);
  const segments = segmentsFor(read, byHours ? grains.slice(1) : grains, daysUntilMs).flatMap((s): Segment[] => {
    if (s.source !== 'raw' || s.range.endMs <= range.endMs) return [s];
    return s.range.startMs < range.endMs ? [{ source: 'raw', range: { startMs: s.range.startMs, endMs: range.endMs } }] : [];
  });
  // No rollup row covers any part of the range (percentiles by a dimension only the daily sketch has, over a range
  // holding no whole rolled day): raw events answer it as they are, with exact percentiles and `source: raw`.
  if (!segments.some((s) => s.source === 'rollup')) return null;
  const last = segments[segments.length - 1];
  return {
    grains,
    segments,
    partials: [...partials],
    sketches: [...sketches],
    phases,
    tail: options.caughtUp !== true,
    range,
    openEnd: last !== undefined && last.source === 'rollup' && last.range.endMs > range.endMs,
    hoursNeededFrom: byHours ? read.startMs : null,
  };
}

/**
 * `[startMs, endMs)` covered by the coarsest grain in the aligned middle and finer ones (then raw) at the edges.
 * Daily rows cover only days before `daysUntilMs` (the days rolled so far; null: none): later days read hourly rows.
 * A stale (lower) value is safe — hourly rows of rolled days stay until their own retention.
 */
export function segmentsFor(range: TimeRange, grains: readonly Grain[], daysUntilMs: number | null = null): Segment[] {
  const [grain, ...finer] = grains;
  if (grain === undefined) return range.endMs > range.startMs ? [{ source: 'raw', range }] : [];
  const size = GRAIN_MS[grain.name];
  const a = Math.ceil(range.startMs / size) * size;
  let b = Math.floor(range.endMs / size) * size;
  if (grain.name === 'day') b = Math.min(b, daysUntilMs === null ? -Infinity : Math.floor(daysUntilMs / size) * size);
  if (a >= b) return segmentsFor(range, finer, daysUntilMs);
  return [
    ...segmentsFor({ startMs: range.startMs, endMs: a }, finer, daysUntilMs),
    { source: 'rollup', grain, range: { startMs: a, endMs: b } },
    ...segmentsFor({ startMs: b, endMs: range.endMs }, finer, daysUntilMs),
  ];
}
