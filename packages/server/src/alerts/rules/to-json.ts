import { formatDuration } from './duration.js';
import type { AlertRule } from './model.js';

export type RuleJson = Record<string, unknown>;

/** The API form of a rule: the input's snake_case with every default filled in, so it can be PUT back. */
export function ruleToJson(rule: AlertRule): RuleJson {
  const common: RuleJson = {
    id: rule.id, name: rule.name, kind: rule.kind, project: rule.project, severity: rule.severity, notify: rule.notify,
    labels: rule.labels, annotations: rule.annotations, description: rule.description, enabled: rule.enabled,
    source: rule.source, for: formatDuration(rule.forMs), keep_firing_for: formatDuration(rule.keepFiringForMs),
    notify_group_by: rule.notifyGroupBy, group_wait: formatDuration(rule.groupWaitMs),
    group_interval: formatDuration(rule.groupIntervalMs), repeat_interval: formatDuration(rule.repeatIntervalMs),
  };
  const filters = (fs: { field: string; values: readonly string[] }[]): Record<string, readonly string[]> =>
    Object.fromEntries(fs.map((f) => [f.field, f.values]));
  const measure = (r: { measure: string; metric: string | null }): string => r.metric ?? r.measure;
  switch (rule.kind) {
    case 'threshold':
      return {
        ...common, measure: measure(rule), op: rule.op, threshold: rule.threshold, window: formatDuration(rule.windowMs),
        filters: filters(rule.filters), group_by: rule.groupBy, min_samples: rule.minSamples, no_data: rule.noData,
      };
    case 'budget':
      return { ...common, budget_usd: rule.budgetUsd, filters: filters(rule.filters), group_by: rule.groupBy };
    case 'anomaly':
      return {
        ...common, measure: measure(rule), window: formatDuration(rule.windowMs), filters: filters(rule.filters),
        baseline_days: rule.baselineDays, deviations: rule.deviations, direction: rule.direction, min_count: rule.minCount,
      };
    case 'resource':
      return { ...common, resource: rule.resource, op: rule.op, threshold: rule.threshold };
    case 'health':
      return { ...common, checks: rule.checks };
    case 'event':
      return { ...common, types: rule.types, names: rule.names, attributes: rule.attributes, status: rule.status, resolve_after: formatDuration(rule.resolveAfterMs) };
    case 'unpriced_model':
      return { ...common, window: formatDuration(rule.windowMs), threshold: rule.threshold };
  }
}
