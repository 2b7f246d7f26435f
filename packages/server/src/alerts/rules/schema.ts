import { z } from 'zod';
import { isMeasureName, measureDef, type MeasureName } from '../../query/measures.js';
import { isDimensionName, isFilterField } from '../../query/dimensions.js';
import type { DimensionName, Filter } from '../../query/types.js';
import { ALERT_SEVERITIES, type AlertSeverity } from '../types.js';
import { parseDuration } from './duration.js';
import { fromSeed004Form } from './seed-004-form.js';
import { COMPARATORS, RULE_KINDS, type AlertRule, type Comparator, type MeasureRef, type RuleCommon, type RuleSource } from './model.js';

/** A problem with one field of a rule; `path` is relative to the rule object (YAML errors map it to a line). */
export interface RuleIssue {
  path: (string | number)[];
  message: string;
}
export type RuleParse = { ok: true; rule: AlertRule } | { ok: false; issues: RuleIssue[] };

const duration = z.union([z.string(), z.number().nonnegative()]);
const stringMap = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String));

/** The rule as written in YAML or sent to the API (snake_case, CONTRACT §8); `condition` is seed 003's form. */
export const ruleInputSchema = z.object({
  id: z.string().optional(),
  name: z.string().trim().min(1).max(200),
  kind: z.enum(RULE_KINDS as [string, ...string[]]).optional(),
  project: z.string().min(1).max(100).optional(),
  condition: z.string().optional(),
  measure: z.string().optional(),
  op: z.string().optional(),
  threshold: z.number().optional(),
  severity: z.string().optional(),
  notify: z.array(z.string().min(1)).max(50).optional(),
  description: z.string().max(2000).nullable().optional(),
  enabled: z.boolean().optional(),
  window: duration.optional(),
  for: duration.optional(),
  keep_firing_for: duration.optional(),
  filters: z.record(z.string(), z.union([z.string(), z.array(z.string()).min(1).max(100)])).optional(),
  group_by: z.array(z.string()).max(8).optional(),
  min_samples: z.number().int().min(0).optional(),
  no_data: z.enum(['ok', 'keep', 'alerting']).optional(),
  labels: stringMap.optional(),
  annotations: stringMap.optional(),
  budget_usd: z.number().positive().optional(),
  baseline_days: z.number().int().min(1).max(60).optional(),
  deviations: z.number().positive().optional(),
  direction: z.enum(['up', 'down', 'both']).optional(),
  min_count: z.number().int().min(0).optional(),
  resource: z.enum(['cpu', 'memory', 'disk']).optional(),
  checks: z.array(z.string().min(1)).optional(),
  types: z.array(z.string().min(1)).optional(),
  names: z.array(z.string().min(1)).optional(),
  attributes: stringMap.optional(),
  status: z.enum(['ok', 'error']).nullable().optional(),
  resolve_after: duration.optional(),
  notify_group_by: z.array(z.string()).max(8).optional(),
  group_wait: duration.optional(),
  group_interval: duration.optional(),
  repeat_interval: duration.optional(),
}).strict();
export type RuleInput = z.input<typeof ruleInputSchema>;

/**
 * The longest duration a rule may give (10 years): longer ones cannot be evaluated (a window beyond the dates a query
 * takes) nor written back (their spelling turns to exponents that no longer parse, so the rule would not load again).
 */
const MAX_DURATION_MS = 3650 * 86_400_000;

const CONDITION = /^\s*([A-Za-z_][\w.:-]*)\s*(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*$/i;
const RESOURCE_NAMES: Record<string, 'cpu' | 'memory' | 'disk'> = {
  cpu: 'cpu', cpu_percent: 'cpu', memory: 'memory', memory_percent: 'memory', disk: 'disk', disk_percent: 'disk',
};

export interface ParseContext {
  source: RuleSource;
  /** Project of rules that name none (the key's project for the API, `default` for files and env). */
  project: string;
  /** Id for a rule that has none (files: derived from the name; API: generated). */
  id: string;
}

/** Validates and normalises one rule; every problem is reported with the field it concerns. */
export function parseRule(input: unknown, ctx: ParseContext): RuleParse {
  const seed004 = fromSeed004Form(input);
  const base = ruleInputSchema.safeParse(seed004.input);
  if (!base.success || seed004.issues.length > 0) {
    const schemaIssues = base.success ? [] : base.error.issues.map((i) => ({ path: i.path.filter((p): p is string | number => typeof p !== 'symbol'), message: i.message }));
    return { ok: false, issues: [...seed004.issues, ...schemaIssues] };
  }
  const r = base.data;
  const issues: RuleIssue[] = [];
  const fail = (path: string, message: string): void => void issues.push({ path: [path], message });
  const ms = (key: 'window' | 'for' | 'keep_firing_for' | 'resolve_after' | 'group_wait' | 'group_interval' | 'repeat_interval', fallback: number): number => {
    const v = r[key];
    if (v === undefined) return fallback;
    const parsed = parseDuration(v);
    if (parsed === null) fail(key, `not a duration: ${String(v)} (use e.g. 30s, 5m, 1h)`);
    // A window of nothing holds no event (every evaluation would fail), and a match resolved at once never fires.
    else if (parsed === 0 && (key === 'window' || key === 'resolve_after')) fail(key, 'must be longer than 0s');
    else if (parsed > MAX_DURATION_MS) fail(key, 'must be at most 3650d (10 years)');
    return parsed !== null && parsed <= MAX_DURATION_MS ? parsed : fallback;
  };

  let cond: { name: string; op: Comparator; value: number } | null = null;
  // A malformed condition is one error, not also "measure required" and "threshold required".
  let badCondition = false;
  if (r.condition !== undefined) {
    const m = CONDITION.exec(r.condition);
    badCondition = m === null;
    if (m === null) fail('condition', `expected "<measure> <op> <number>" (op one of ${COMPARATORS.join(' ')}), got "${r.condition}"`);
    else if (!Number.isFinite(Number(m[3]))) {
      badCondition = true;
      fail('condition', `the number must be finite, got ${m[3]}`);
    } else cond = { name: m[1]!, op: m[2] as Comparator, value: Number(m[3]) };
  }
  const kind = r.kind ?? (cond !== null && RESOURCE_NAMES[cond.name] !== undefined ? 'resource' : 'threshold');
  const op = (): Comparator => {
    if (cond) return cond.op;
    if (r.op === undefined) return '>';
    if (!(COMPARATORS as readonly string[]).includes(r.op)) fail('op', `must be one of ${COMPARATORS.join(' ')}`);
    return r.op as Comparator;
  };
  const threshold = (required: boolean): number => {
    const v = cond?.value ?? r.threshold;
    if (v === undefined && required && !badCondition) fail('threshold', 'required (or give a condition)');
    return v ?? 0;
  };
  const measureRef = (fallback: MeasureName | null): MeasureRef => {
    const name = cond?.name ?? r.measure;
    if (name === undefined) {
      if (fallback === null && !badCondition) fail('measure', 'required (or give a condition)');
      return { measure: fallback ?? 'count', metric: null };
    }
    // A name that is not a query-layer measure refers to `metric` events of that name (their mean `value`).
    return isMeasureName(name) ? { measure: name, metric: null } : { measure: 'avg_value', metric: name };
  };
  const fields = (path: 'group_by', names: string[] | undefined): DimensionName[] => {
    const out: DimensionName[] = [];
    (names ?? []).forEach((n, i) => (isDimensionName(n) ? out.push(n) : issues.push({ path: [path, i], message: `not an event field, attributes.<key> or derived dimension: ${n}` })));
    return out;
  };
  const filters: Filter[] = [];
  for (const [field, v] of Object.entries(r.filters ?? {})) {
    if (!isFilterField(field)) issues.push({ path: ['filters', field], message: `not an event field or attributes.<key>: ${field}` });
    else filters.push({ field, values: Array.isArray(v) ? v : [v] });
  }
  let severity: AlertSeverity = 'medium';
  if (r.severity !== undefined) {
    const s = r.severity.toLowerCase() === 'warning' ? 'medium' : r.severity.toLowerCase();
    if ((ALERT_SEVERITIES as readonly string[]).includes(s)) severity = s as AlertSeverity;
    else fail('severity', `must be one of ${ALERT_SEVERITIES.join(', ')} (or warning)`);
  }
  const common: RuleCommon = {
    id: r.id ?? ctx.id,
    name: r.name,
    project: r.project ?? ctx.project,
    severity,
    notify: r.notify ?? [],
    labels: r.labels ?? {},
    annotations: r.annotations ?? {},
    description: r.description ?? null,
    enabled: r.enabled ?? true,
    source: ctx.source,
    forMs: ms('for', 0),
    keepFiringForMs: ms('keep_firing_for', 0),
    notifyGroupBy: r.notify_group_by ?? [],
    // Alertmanager's group_interval and repeat_interval defaults; group_wait 0 so a page is not held back.
    groupWaitMs: ms('group_wait', 0),
    groupIntervalMs: ms('group_interval', 300_000),
    repeatIntervalMs: ms('repeat_interval', 4 * 3_600_000),
  };
  let rule: AlertRule;
  switch (kind) {
    case 'threshold':
      rule = {
        ...common, kind, ...measureRef(null), op: op(), threshold: threshold(true), windowMs: ms('window', 300_000),
        filters, groupBy: fields('group_by', r.group_by), minSamples: r.min_samples ?? 1, noData: r.no_data ?? 'ok',
      };
      const requires = measureDef(rule.measure).requires;
      if (requires !== undefined && !(rule.groupBy as string[]).includes(requires)) {
        fail(cond ? 'condition' : 'measure', `${rule.measure} needs group_by: [${requires}]`);
      }
      break;
    case 'budget':
      if (r.budget_usd === undefined && cond === null) fail('budget_usd', 'required for a budget rule');
      rule = { ...common, kind, budgetUsd: r.budget_usd ?? cond?.value ?? 0, filters, groupBy: fields('group_by', r.group_by) };
      break;
    case 'anomaly':
      rule = {
        ...common, kind, ...measureRef('count'), windowMs: ms('window', 3_600_000), filters, baselineDays: r.baseline_days ?? 7,
        deviations: r.deviations ?? 3, direction: r.direction ?? 'up', minCount: r.min_count ?? 20,
      };
      break;
    case 'resource': {
      const res = r.resource ?? (cond ? RESOURCE_NAMES[cond.name] : undefined);
      if (res === undefined) fail('resource', 'required: cpu, memory or disk (or a condition such as "cpu_percent > 90")');
      rule = { ...common, kind, resource: res ?? 'cpu', op: op(), threshold: threshold(true) };
      break;
    }
    case 'health':
      rule = { ...common, kind, checks: r.checks ?? [] };
      break;
    case 'event':
      if (!r.types?.length && !r.names?.length && !Object.keys(r.attributes ?? {}).length) {
        fail('types', 'an event rule needs at least one of types, names, attributes');
      }
      rule = { ...common, kind, types: r.types ?? [], names: r.names ?? [], attributes: r.attributes ?? {}, status: r.status ?? null, resolveAfterMs: ms('resolve_after', 300_000) };
      break;
    default:
      rule = { ...common, kind: 'unpriced_model', windowMs: ms('window', 3_600_000), threshold: cond?.value ?? r.threshold ?? 1 };
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, rule };
}
