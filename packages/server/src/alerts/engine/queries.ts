import type { MeasureName } from '../../query/measures.js';
import { executeQuery } from '../../query/run.js';
import { MAX_LIMIT, type DimensionName, type Filter, type QuerySpec } from '../../query/types.js';
import type { EventStore } from '../../store/types.js';
import type { AnomalyRule, BudgetRule, ThresholdRule } from '../rules/model.js';
import { monthBounds, type SeriesValue } from './signals.js';

type WindowRule = ThresholdRule | AnomalyRule;

/**
 * The label a group-by field becomes: Prometheus' label-name charset, so `attributes.queue` is `attributes_queue`
 * (Alertmanager refuses other names; silences and `notify_group_by` use this form).
 */
export function labelName(field: string): string {
  return field.replace(/[^A-Za-z0-9_]/g, '_');
}

function groupLabels(fields: readonly DimensionName[], row: Record<string, string | number | null>): Record<string, string> {
  return Object.fromEntries(fields.map((d) => [labelName(d), row[d] === null || row[d] === undefined ? '' : String(row[d])]));
}

/** A metric-event condition reads `metric` events of that name (see rules/schema.ts). */
export function effectiveFilters(rule: { filters: readonly Filter[]; metric?: string | null }): Filter[] {
  if (rule.metric === null || rule.metric === undefined) return [...rule.filters];
  return [...rule.filters.filter((f) => f.field !== 'type' && f.field !== 'name'), { field: 'type', values: ['metric'] }, { field: 'name', values: [rule.metric] }];
}

function shareKey(project: string, windowMs: number, filters: readonly Filter[], groupBy: readonly DimensionName[]): string {
  const f = [...filters].map((x) => [x.field, [...x.values].sort()]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  return JSON.stringify([project, windowMs, f, groupBy]);
}

interface Share {
  project: string;
  windowMs: number;
  filters: Filter[];
  groupBy: DimensionName[];
  measures: Set<MeasureName>;
  rules: WindowRule[];
}

export interface QueryStats {
  queries: number;
}

/**
 * Rules over the same project, window, filters and group-by share one query carrying all their measures (plus
 * `count`, their sample size): 1,000 rules over a handful of windows cost a handful of scans, not 1,000.
 */
export async function windowSeries(
  store: EventStore,
  rules: readonly WindowRule[],
  now: number,
  stats: QueryStats,
  onError: (err: unknown) => void,
): Promise<Map<string, SeriesValue[]>> {
  const shares = new Map<string, Share>();
  for (const rule of rules) {
    const filters = effectiveFilters(rule);
    const groupBy = rule.kind === 'threshold' ? rule.groupBy : [];
    const key = shareKey(rule.project, rule.windowMs, filters, groupBy);
    const share = shares.get(key) ?? { project: rule.project, windowMs: rule.windowMs, filters, groupBy: [...groupBy], measures: new Set<MeasureName>(['count']), rules: [] };
    share.measures.add(rule.measure);
    share.rules.push(rule);
    shares.set(key, share);
  }
  const out = new Map<string, SeriesValue[]>();
  const runShare = async (share: Share): Promise<void> => {
    const spec: QuerySpec = {
      project: share.project, measures: [...share.measures], dimensions: share.groupBy, filters: share.filters,
      range: { startMs: now - share.windowMs, endMs: now }, limit: MAX_LIMIT,
    };
    stats.queries += 1;
    let rows;
    try {
      ({ rows } = await executeQuery(store, spec));
    } catch (err) {
      // One failing query leaves only its own rules without a verdict (they are missing from the map).
      onError(err);
      return;
    }
    for (const rule of share.rules) {
      out.set(rule.id, rows.map((row) => ({
        labels: groupLabels(share.groupBy, row),
        value: typeof row[rule.measure] === 'number' ? (row[rule.measure] as number) : null,
        samples: Number(row.count ?? 0),
      })).filter((s) => s.samples > 0));
    }
  };
  // A couple of queries at a time: the store has several read connections, and small scans use one core each, so
  // an evaluation finishes sooner (the event-to-notification time) without costing more CPU. Ingest keeps the rest.
  const queue = [...shares.values()];
  const worker = async (): Promise<void> => {
    for (let share = queue.shift(); share !== undefined; share = queue.shift()) await runShare(share);
  };
  await Promise.all(Array.from({ length: Math.min(QUERY_CONCURRENCY, queue.length) }, worker));
  return out;
}

/** Window queries of one evaluation in flight at once. */
export const QUERY_CONCURRENCY = 2;

/**
 * Cost month-to-date per budget rule; rules with the same filters and group-by share the query. The same query counts
 * the tokens the cost leaves out (all tokens − those of events that carry a cost), which the alert message states.
 */
export async function budgetSeries(store: EventStore, rules: readonly BudgetRule[], now: number, stats: QueryStats): Promise<Map<string, SeriesValue[]>> {
  const { start } = monthBounds(now);
  const byKey = new Map<string, BudgetRule[]>();
  for (const r of rules) {
    const key = shareKey(r.project, 0, r.filters, r.groupBy);
    byKey.set(key, [...(byKey.get(key) ?? []), r]);
  }
  const out = new Map<string, SeriesValue[]>();
  for (const group of byKey.values()) {
    const first = group[0]!;
    stats.queries += 1;
    const { rows } = await executeQuery(store, {
      project: first.project, measures: ['cost_usd', 'count', 'total_tokens', 'priced_tokens'], dimensions: first.groupBy, filters: first.filters,
      range: { startMs: start, endMs: now + 1 }, limit: MAX_LIMIT,
    });
    const series = rows.map((row) => ({
      labels: groupLabels(first.groupBy, row),
      value: Number(row.cost_usd ?? 0),
      samples: Number(row.count ?? 0),
      unpricedTokens: Math.max(0, Number(row.total_tokens ?? 0) - Number(row.priced_tokens ?? 0)),
    })).filter((s) => s.samples > 0);
    for (const r of group) out.set(r.id, series);
  }
  return out;
}

const DAY_MS = 86_400_000;

/**
 * The anomaly baseline: the rule's measure over the same window of the day on each of the previous days. It moves
 * slowly, so it is cached per rule for `ttlMs` (default 5 min) instead of costing `baseline_days` queries per tick.
 */
export class BaselineCache {
  private readonly cache = new Map<string, { at: number; values: number[] }>();
  constructor(private readonly ttlMs = 300_000) {}

  async values(store: EventStore, rule: AnomalyRule, now: number, stats: QueryStats): Promise<number[]> {
    const hit = this.cache.get(rule.id);
    if (hit !== undefined && now - hit.at < this.ttlMs) return hit.values;
    const values: number[] = [];
    for (let d = 1; d <= rule.baselineDays; d++) {
      const end = now - d * DAY_MS;
      stats.queries += 1;
      const { rows } = await executeQuery(store, {
        project: rule.project, measures: [rule.measure, 'count'], dimensions: [], filters: effectiveFilters(rule),
        range: { startMs: end - rule.windowMs, endMs: end },
      });
      const v = rows[0]?.[rule.measure];
      // A day with no events is a real zero for counts and sums, but no observation for means and percentiles.
      if (typeof v === 'number') values.push(v);
      else if (Number(rows[0]?.count ?? 0) === 0 && /^(count|errors|.*_tokens|cost_usd|sum_value)$/.test(rule.measure)) values.push(0);
    }
    this.cache.set(rule.id, { at: now, values });
    return values;
  }

  forget(ruleId: string): void {
    this.cache.delete(ruleId);
  }
}
