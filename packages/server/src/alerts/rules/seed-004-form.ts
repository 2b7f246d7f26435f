import { isMeasureName } from '../../query/measures.js';
import { COMPARATORS } from './model.js';
import type { RuleIssue } from './schema.js';

/** The rules' longest duration (schema.ts), in minutes. */
const MAX_MINUTES = 3650 * 1440;

/**
 * Seed 004's alert model (`Alert(name, description, alert_type, severity, metric, operator, threshold,
 * window_duration, tenant_id)`) written as a rule: each of its field names reads as the rule field it means.
 * `window_duration` is in minutes (seed 004: `43200  # 30 days`); `alert_type` becomes the `alert_type` label, which
 * names the alert type of the rule's alerts; enum spellings (`COST_USD`, `AlertType.COST_THRESHOLD`) read as their
 * lower-case values.
 */
const ALIASES = {
  metric: 'measure',
  operator: 'op',
  window_duration: 'window',
  tenant_id: 'project',
} as const;

export type Seed004Translation = { input: unknown; issues: RuleIssue[] };

/** `AlertType.COST_THRESHOLD` → `cost_threshold`; other strings as given. */
function enumValue(v: unknown): unknown {
  return typeof v === 'string' ? v.trim().replace(/^[A-Za-z]+Type\./, '').toLowerCase() : v;
}

/**
 * `metric`: a measure by its value or enum name (`cost_usd`, `COST_USD`, `MetricType.COST_USD`) reads as the measure;
 * any other name is a metric event's, matched exactly, so it is kept as written (`VectorSearch_P95`).
 */
function metricValue(v: unknown): unknown {
  const value = enumValue(v);
  return typeof value === 'string' && isMeasureName(value) ? value : v;
}

/** Rewrites seed 004's field names into the rule's; a field given under both names is an issue naming both. */
export function fromSeed004Form(input: unknown): Seed004Translation {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return { input, issues: [] };
  const source = input as Record<string, unknown>;
  if (!Object.keys(ALIASES).some((k) => k in source) && !('alert_type' in source)) return { input, issues: [] };
  const out: Record<string, unknown> = { ...source };
  const issues: RuleIssue[] = [];
  for (const [alias, field] of Object.entries(ALIASES)) {
    if (!(alias in source)) continue;
    delete out[alias];
    if (field in source || (field === 'measure' && 'condition' in source)) {
      issues.push({ path: [alias], message: `give either ${alias} (seed 004) or ${field === 'measure' && 'condition' in source ? 'condition' : field}, not both` });
      continue;
    }
    const value = source[alias];
    if (alias === 'window_duration') {
      if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
        issues.push({ path: [alias], message: 'must be a number of minutes greater than 0' });
        continue;
      }
      if (value > MAX_MINUTES) {
        issues.push({ path: [alias], message: `must be at most ${MAX_MINUTES} minutes (3650 days)` });
        continue;
      }
      out.window = value * 60;
    } else if ((alias === 'metric' || alias === 'tenant_id') && (typeof value !== 'string' || value.trim() === '')) {
      issues.push({ path: [alias], message: 'must be a non-empty string' });
    } else if (alias === 'operator' && !(COMPARATORS as readonly unknown[]).includes(value)) {
      issues.push({ path: [alias], message: `must be one of ${COMPARATORS.join(' ')}` });
    } else {
      out[field] = alias === 'metric' ? metricValue(value) : value;
    }
  }
  if ('alert_type' in source) {
    delete out.alert_type;
    const type = enumValue(source.alert_type);
    const labels = source.labels;
    if (typeof type !== 'string' || type === '') {
      issues.push({ path: ['alert_type'], message: 'must be a non-empty string' });
    } else if (labels !== undefined && (labels === null || typeof labels !== 'object' || Array.isArray(labels))) {
      // Left to the schema, which names `labels`.
    } else if (labels !== undefined && 'alert_type' in (labels as object)) {
      issues.push({ path: ['alert_type'], message: 'give either alert_type (seed 004) or labels.alert_type, not both' });
    } else {
      out.labels = { ...(labels as Record<string, unknown> | undefined), alert_type: type };
    }
  }
  return { input: out, issues };
}
