import type { HostSample } from '../../health/host-sample.js';
import { formatDuration } from '../rules/duration.js';
import { compare, type AlertRule, type AnomalyRule, type BudgetRule, type ResourceRule, type ThresholdRule } from '../rules/model.js';
import type { Signal } from './instance.js';

/** One series of a rule's query: its group-by labels, the measured value and how many events it rests on. */
export interface SeriesValue {
  labels: Record<string, string>;
  value: number | null;
  samples: number;
  /** Budget series: input + output tokens of events without a cost (a model the pricing table does not know), not in `value`. */
  unpricedTokens?: number;
}

const round = (v: number, digits = 4): number => Number(v.toPrecision(digits));
const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const measureName = (r: { measure: string; metric: string | null }): string => r.metric ?? r.measure;

/** Seed 001's `alert_type` for a rule. */
export function alertTypeOf(rule: AlertRule): string {
  if (typeof rule.labels.alert_type === 'string') return rule.labels.alert_type;
  switch (rule.kind) {
    case 'threshold':
      if (rule.measure === 'error_rate' || rule.measure === 'errors') return 'error_rate';
      if (rule.measure === 'cost_usd') return 'cost';
      if (/duration|ttft|tokens_per_second/.test(rule.measure)) return 'performance';
      return rule.metric !== null ? 'metric' : 'threshold';
    case 'event':
      return rule.names[0] ?? rule.attributes.alert ?? rule.types[0] ?? 'event';
    default:
      return rule.kind;
  }
}

/**
 * Threshold: each series holding at least `min_samples` events is compared with the threshold. With no series
 * meeting `min_samples`, the rule's no-data behaviour decides: `ok` (alerts resolve), `keep` (nothing changes),
 * `alerting` (one alert, labelled `no_data`).
 */
export function thresholdSignals(rule: ThresholdRule, series: readonly SeriesValue[]): Signal[] | 'keep' {
  const name = measureName(rule);
  const window = formatDuration(rule.windowMs);
  const enough = series.filter((s) => s.samples >= rule.minSamples && s.value !== null);
  if (enough.length === 0) {
    if (rule.noData === 'keep') return 'keep';
    if (rule.noData === 'alerting') {
      return [{
        labels: { no_data: 'true' }, active: true, value: null,
        message: `${rule.name}: no data for ${name} over ${window}`,
        details: { current: null, threshold: rule.threshold, duration: window, no_data: true },
      }];
    }
    return [];
  }
  return enough.map((s) => {
    const value = s.value!;
    const where = Object.entries(s.labels).map(([k, v]) => `${k}=${v}`).join(', ');
    return {
      labels: s.labels, active: compare(value, rule.op, rule.threshold), value,
      message: `${rule.name}: ${name} is ${round(value)} over ${window}${where ? ` for ${where}` : ''} (threshold ${rule.op} ${rule.threshold})`,
      details: {
        current: round(value, 6), threshold: rule.threshold, operator: rule.op, measure: name, duration: window, samples: s.samples,
        ...(s.labels.service ? { affected_service: s.labels.service } : {}),
      },
    };
  });
}

const DAY_MS = 86_400_000;
const GB = 1024 ** 3;

export function monthBounds(now: number): { start: number; end: number } {
  const d = new Date(now);
  return { start: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) };
}

/**
 * Budget: spend so far this UTC month, extrapolated linearly to the month's end. Fires when the forecast reaches the
 * budget and says on which day spend crosses it at the current rate. The forecast needs a day of history (before
 * that, only spend already over the budget fires) so the first hours of a month don't extrapolate from minutes.
 */
export function budgetSignals(rule: BudgetRule, series: readonly SeriesValue[], now: number): Signal[] {
  const { start, end } = monthBounds(now);
  const elapsed = Math.max(1, now - start);
  const rows = series.length > 0 ? series : [{ labels: {}, value: 0, samples: 0 }];
  return rows.map((s) => {
    const spent = s.value ?? 0;
    const canForecast = elapsed >= DAY_MS;
    const forecast = canForecast ? (spent / elapsed) * (end - start) : spent;
    const crossingMs = spent >= rule.budgetUsd ? now : spent > 0 ? start + (rule.budgetUsd / spent) * elapsed : Infinity;
    const crossingDay = Number.isFinite(crossingMs) && crossingMs < end ? new Date(crossingMs).toISOString().slice(0, 10) : null;
    const active = spent >= rule.budgetUsd || (canForecast && forecast >= rule.budgetUsd);
    const unpriced = Math.max(0, s.unpricedTokens ?? 0);
    // Spend that leaves tokens out says so: a model without a price costs something, just not a known amount.
    const excludes = unpriced > 0 ? `; the cost excludes ${int.format(unpriced)} tokens without a price` : '';
    const message = spent >= rule.budgetUsd
      ? `${rule.name}: $${round(spent)} spent this month, over the $${rule.budgetUsd} budget${excludes}`
      : `${rule.name}: $${round(spent)} spent this month, forecast $${round(forecast)} of $${rule.budgetUsd}${active && crossingDay ? `; crosses the budget on ${crossingDay}` : ''}${excludes}`;
    return {
      labels: s.labels, active, value: round(forecast, 6), message,
      details: {
        current: round(spent, 6), forecast: round(forecast, 6), threshold: rule.budgetUsd, budget_usd: rule.budgetUsd,
        crossing_date: crossingDay, period_end: new Date(end - 1).toISOString().slice(0, 10), unpriced_tokens: unpriced,
      },
    };
  });
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export interface Baseline {
  median: number;
  mad: number;
  /** 1.4826·MAD (the normal-consistent spread), floored at 1 % of |median| (or 1e-9) so a flat history isn't infinitely sensitive. */
  scale: number;
  points: number;
}

export function robustBaseline(values: readonly number[]): Baseline | null {
  if (values.length < 3) return null;
  const med = median(values);
  const mad = median(values.map((v) => Math.abs(v - med)));
  return { median: med, mad, scale: Math.max(1.4826 * mad, Math.abs(med) * 0.01, 1e-9), points: values.length };
}

/**
 * Anomaly: the current window's value against the same window of the day on each of the previous `baseline_days`
 * days. Robust z = (current − median) / (1.4826·MAD); anomalous beyond `deviations` in the rule's direction, and only
 * when the current window holds at least `min_count` events and the baseline has at least 3 days of data.
 */
export function anomalySignals(rule: AnomalyRule, current: SeriesValue, baselineValues: readonly number[]): Signal[] {
  const name = measureName(rule);
  const baseline = robustBaseline(baselineValues);
  if (baseline === null || current.value === null || current.samples < rule.minCount) return [];
  const z = (current.value - baseline.median) / baseline.scale;
  const active = rule.direction === 'up' ? z >= rule.deviations : rule.direction === 'down' ? z <= -rule.deviations : Math.abs(z) >= rule.deviations;
  return [{
    labels: {}, active, value: current.value,
    message: `${rule.name}: ${name} is ${round(current.value)} against a usual ${round(baseline.median)} at this hour (${round(z, 3)} deviations)`,
    details: {
      current: round(current.value, 6), threshold: rule.deviations, baseline_median: round(baseline.median, 6),
      baseline_mad: round(baseline.mad, 6), deviations: round(z, 4), baseline_days: baseline.points, samples: current.samples,
      duration: formatDuration(rule.windowMs),
    },
  }];
}

/** Resource: the host sample's CPU, memory or disk percentage; no sampler → no verdict. */
export function resourceSignals(rule: ResourceRule, sample: HostSample | null): Signal[] | 'keep' {
  if (sample === null) return 'keep';
  const value = rule.resource === 'cpu' ? sample.cpuPercent : rule.resource === 'memory' ? sample.memoryPercent : sample.diskPercent;
  // Seed 001's resource alert names the reading `current_usage` and says how much is left (`available_gb`).
  const availableBytes = rule.resource === 'memory' ? sample.memoryAvailableBytes : rule.resource === 'disk' ? sample.diskFreeBytes : null;
  return [{
    labels: { resource: rule.resource }, active: compare(value, rule.op, rule.threshold), value,
    message: `${rule.name}: ${rule.resource} at ${round(value, 3)}% (threshold ${rule.op} ${rule.threshold}%)`,
    details: {
      current: round(value, 4), current_usage: round(value, 4), threshold: rule.threshold, operator: rule.op, resource: rule.resource,
      ...(availableBytes === null ? {} : { available_gb: Math.round((availableBytes / GB) * 100) / 100 }),
    },
  }];
}
