import type { MeasureName } from '../../query/measures.js';
import type { DimensionName, Filter } from '../../query/types.js';
import type { AlertSeverity } from '../types.js';

/**
 * The one rule model (CONTRACT §8). Env thresholds, the YAML `alerts:` list and the API all produce an `AlertRule`;
 * the evaluator knows nothing about where a rule came from. Durations are milliseconds here; the API shows them as
 * Prometheus-style strings.
 */
export type RuleKind = 'threshold' | 'budget' | 'anomaly' | 'resource' | 'health' | 'event' | 'unpriced_model';
export const RULE_KINDS: readonly RuleKind[] = ['threshold', 'budget', 'anomaly', 'resource', 'health', 'event', 'unpriced_model'];

export type Comparator = '>' | '>=' | '<' | '<=' | '==' | '!=';
export const COMPARATORS: readonly Comparator[] = ['>=', '<=', '==', '!=', '>', '<'];

/**
 * What a threshold rule does when its window holds no samples (or fewer than `min_samples`):
 * `ok` treats it as healthy (alerts resolve), `keep` leaves every alert as it is, `alerting` fires (a silent service).
 */
export type NoDataBehaviour = 'ok' | 'keep' | 'alerting';

export type RuleSource = 'env' | 'file' | 'api';

/** What a rule measures: a query-layer measure, or (any other name) the mean `value` of `metric` events so named. */
export interface MeasureRef {
  measure: MeasureName;
  /** Set when the condition named a metric event rather than a measure (seed 003's `vector_search_p95`). */
  metric: string | null;
}

export interface RuleCommon {
  id: string;
  name: string;
  project: string;
  severity: AlertSeverity;
  notify: string[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  description: string | null;
  enabled: boolean;
  source: RuleSource;
  /** How long the condition must hold before pending turns firing. */
  forMs: number;
  /** How long a firing alert stays firing after its condition stops holding (against flapping). */
  keepFiringForMs: number;
  /** Alertmanager's grouping, per rule: labels splitting the rule's alerts into notifications (default: one group). */
  notifyGroupBy: string[];
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
}

export interface ThresholdRule extends RuleCommon, MeasureRef {
  kind: 'threshold';
  op: Comparator;
  threshold: number;
  windowMs: number;
  filters: Filter[];
  groupBy: DimensionName[];
  minSamples: number;
  noData: NoDataBehaviour;
}

/** Cost month-to-date (UTC calendar month) against `budgetUsd`; fires when the linear forecast reaches it. */
export interface BudgetRule extends RuleCommon {
  kind: 'budget';
  budgetUsd: number;
  filters: Filter[];
  groupBy: DimensionName[];
}

/** The current window against the same hour of day on the previous `baselineDays` days (median/MAD). */
export interface AnomalyRule extends RuleCommon, MeasureRef {
  kind: 'anomaly';
  windowMs: number;
  filters: Filter[];
  baselineDays: number;
  /** Robust z-score (in units of 1.4826·MAD) beyond which the value is anomalous. */
  deviations: number;
  direction: 'up' | 'down' | 'both';
  /** Events the current window needs before it can be anomalous: quiet hours page nobody. */
  minCount: number;
}

export interface ResourceRule extends RuleCommon {
  kind: 'resource';
  resource: 'cpu' | 'memory' | 'disk';
  op: Comparator;
  threshold: number;
}

/** Fires while the named health checks (all when empty) report anything but healthy; event-driven. */
export interface HealthRule extends RuleCommon {
  kind: 'health';
  checks: string[];
}

/** Fires at once on a matching event (fan-out); resolves after `resolveAfterMs` without one. */
export interface EventRule extends RuleCommon {
  kind: 'event';
  types: string[];
  names: string[];
  /** Attribute equalities, e.g. `{ alert: 'queue_failure' }`. */
  attributes: Record<string, string>;
  /** Only events with this status (`error` for failed payments); null: any. */
  status: 'ok' | 'error' | null;
  resolveAfterMs: number;
}

/** Events with a model and tokens but no known price (their cost would read $0), counted per model. */
export interface UnpricedModelRule extends RuleCommon {
  kind: 'unpriced_model';
  windowMs: number;
  /** Unpriced events in the window at which the rule fires (default 1). */
  threshold: number;
}

export type AlertRule = ThresholdRule | BudgetRule | AnomalyRule | ResourceRule | HealthRule | EventRule | UnpricedModelRule;

export function compare(value: number, op: Comparator, threshold: number): boolean {
  switch (op) {
    case '>': return value > threshold;
    case '>=': return value >= threshold;
    case '<': return value < threshold;
    case '<=': return value <= threshold;
    case '==': return value === threshold;
    case '!=': return value !== threshold;
  }
}
