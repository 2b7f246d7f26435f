import { describe, expect, it } from 'vitest';
import { parseRule } from './schema.js';
import { ruleToJson } from './to-json.js';

const ctx = { source: 'api' as const, project: 'default', id: 'rule_1' };
const issues = (input: Record<string, unknown>) => {
  const parsed = parseRule(input, ctx);
  return parsed.ok ? [] : parsed.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

/** Seed 004's "Create custom alerts" example, as JSON (its enums by value and by name). */
const SEED_004 = {
  name: 'Custom Cost Alert',
  description: 'Alert when monthly costs exceed $500',
  alert_type: 'cost_threshold',
  severity: 'high',
  metric: 'cost_usd',
  operator: '>',
  threshold: 500.0,
  window_duration: 43200,
  tenant_id: 'your-tenant-id',
};

describe("seed 004's alert model reads as a rule", () => {
  it('maps metric, operator, window_duration (minutes), tenant_id and alert_type to the rule they mean', () => {
    const parsed = parseRule(SEED_004, ctx);
    expect(parsed.ok).toBe(true);
    const rule = (parsed as { rule: any }).rule;
    expect(rule).toMatchObject({
      kind: 'threshold', name: 'Custom Cost Alert', description: 'Alert when monthly costs exceed $500', severity: 'high',
      measure: 'cost_usd', metric: null, op: '>', threshold: 500, windowMs: 30 * 86_400_000, project: 'your-tenant-id',
      labels: { alert_type: 'cost_threshold' },
    });
    // Stored in the rule's own names, so it parses back to the same rule.
    const { id: _id, source: _source, ...body } = ruleToJson(rule);
    expect(body).toMatchObject({ measure: 'cost_usd', op: '>', window: '30d', project: 'your-tenant-id' });
    expect(parseRule(JSON.parse(JSON.stringify(body)), ctx)).toEqual(parsed);
  });

  it("reads the Python enums' names as their values", () => {
    const parsed = parseRule({ ...SEED_004, alert_type: 'AlertType.COST_THRESHOLD', metric: 'MetricType.COST_USD', severity: 'HIGH' }, ctx);
    expect(parsed.ok && parsed.rule).toMatchObject({ measure: 'cost_usd', severity: 'high', labels: { alert_type: 'cost_threshold' } });
    expect(parseRule({ ...SEED_004, metric: 'COST_USD' }, ctx)).toMatchObject({ ok: true, rule: { measure: 'cost_usd' } });
  });

  it('keeps labels given beside alert_type; a metric that is no measure names metric events as usual', () => {
    const parsed = parseRule({ name: 'v', metric: 'vector_search_p95', operator: '>=', threshold: 200, window_duration: 5, labels: { team: 'search' }, alert_type: 'performance' }, ctx);
    expect(parsed.ok && parsed.rule).toMatchObject({ measure: 'avg_value', metric: 'vector_search_p95', op: '>=', windowMs: 300_000, labels: { team: 'search', alert_type: 'performance' }, project: 'default' });
  });

  it("keeps a metric event's name as written: only a measure's enum spelling reads as the measure", () => {
    // Metric events are matched by their exact name: lower-casing `VectorSearch_P95` would watch events that never come.
    const parsed = parseRule({ name: 'v', metric: 'VectorSearch_P95', operator: '>', threshold: 200, window_duration: 5 }, ctx);
    expect(parsed.ok && parsed.rule).toMatchObject({ measure: 'avg_value', metric: 'VectorSearch_P95' });
    expect(parseRule({ name: 'c', metric: 'COST_USD', threshold: 1 }, ctx)).toMatchObject({ ok: true, rule: { measure: 'cost_usd', metric: null } });
    expect(parseRule({ name: 'c', metric: 'MetricType.ERROR_RATE', threshold: 1 }, ctx)).toMatchObject({ ok: true, rule: { measure: 'error_rate', metric: null } });
  });

  it('refuses a field given under both names, and a bad window_duration, naming the field', () => {
    expect(issues({ ...SEED_004, measure: 'cost_usd' })).toEqual(['metric: give either metric (seed 004) or measure, not both']);
    expect(issues({ name: 'a', condition: 'cost_usd > 1', metric: 'cost_usd' })).toEqual(['metric: give either metric (seed 004) or condition, not both']);
    expect(issues({ ...SEED_004, op: '<' })).toEqual(['operator: give either operator (seed 004) or op, not both']);
    expect(issues({ ...SEED_004, window: '1h' })).toEqual(['window_duration: give either window_duration (seed 004) or window, not both']);
    expect(issues({ ...SEED_004, project: 'p' })).toEqual(['tenant_id: give either tenant_id (seed 004) or project, not both']);
    expect(issues({ ...SEED_004, labels: { alert_type: 'x' } })).toEqual(['alert_type: give either alert_type (seed 004) or labels.alert_type, not both']);
    expect(issues({ ...SEED_004, window_duration: 0 })).toEqual(['window_duration: must be a number of minutes greater than 0']);
    expect(issues({ ...SEED_004, window_duration: '30d' })).toEqual(['window_duration: must be a number of minutes greater than 0']);
    expect(issues({ ...SEED_004, window_duration: 3650 * 1440 + 1 })).toEqual(['window_duration: must be at most 5256000 minutes (3650 days)']);
    expect(issues({ ...SEED_004, window_duration: 3650 * 1440 })).toEqual([]);
    expect(issues({ ...SEED_004, operator: '=>' })).toEqual(['operator: must be one of >= <= == != > <']);
    expect(issues({ ...SEED_004, alert_type: 7 })).toEqual(['alert_type: must be a non-empty string']);
    // A wrong type is named by the seed's field, not the rule field it stands for.
    expect(issues({ ...SEED_004, metric: 5 })).toEqual(['metric: must be a non-empty string']);
    expect(issues({ ...SEED_004, metric: ' ' })).toEqual(['metric: must be a non-empty string']);
    expect(issues({ ...SEED_004, tenant_id: 42 })).toEqual(['tenant_id: must be a non-empty string']);
  });
});
