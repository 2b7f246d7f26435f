import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.js';
import { envRules } from './env-rules.js';
import { parseRulesText } from './rules-file.js';
import type { AnomalyRule, EventRule, ResourceRule, ThresholdRule } from './model.js';

/** Seed 003's `alerts:` block, verbatim (with its trailing-space blank lines). */
const SEED_003 = `alerts:
  - name: "High Response Time"
    condition: "vector_search_p95 > 2.0"
    severity: "critical"
    notify: ["ops-team@company.com"]
    
  - name: "Low Cache Hit Rate"
    condition: "cache_hit_rate < 0.5"
    severity: "warning"
    notify: ["dev-team@company.com"]
    
  - name: "High Token Usage"
    condition: "tokens_per_hour > 100000"
    severity: "warning"
    notify: ["billing@company.com"]
    
  - name: "Memory Limit Approaching"
    condition: "redis_memory_used_percent > 80"
    severity: "critical"
    notify: ["ops-team@company.com"]
`;

describe('rules file', () => {
  it("accepts seed 003's form as written; names that are not measures read metric events", () => {
    const { rules, errors } = parseRulesText(SEED_003);
    expect(errors).toEqual([]);
    expect(rules.map((r) => [r.id, r.kind, r.severity])).toEqual([
      ['file:high-response-time', 'threshold', 'critical'],
      ['file:low-cache-hit-rate', 'threshold', 'medium'],
      ['file:high-token-usage', 'threshold', 'medium'],
      ['file:memory-limit-approaching', 'threshold', 'critical'],
    ]);
    const first = rules[0] as ThresholdRule;
    expect(first).toMatchObject({ measure: 'avg_value', metric: 'vector_search_p95', op: '>', threshold: 2, windowMs: 300_000, forMs: 0, notify: ['ops-team@company.com'] });
    expect((rules[1] as ThresholdRule)).toMatchObject({ metric: 'cache_hit_rate', op: '<', threshold: 0.5 });
  });

  it('reads query measures, kinds and options', () => {
    const { rules, errors } = parseRulesText(`
alerts:
  - name: p95 by model
    condition: p95_duration_ms > 1500
    window: 10m
    for: 2m
    keep_firing_for: 5m
    filters: { type: llm, model: [gpt-4o, gpt-4o-mini] }
    group_by: [model]
    min_samples: 20
  - name: spike
    kind: anomaly
    measure: count
  - name: queue
    kind: event
    attributes: { alert: queue_failure }
  - name: cpu
    condition: cpu_percent >= 95
`);
    expect(errors).toEqual([]);
    expect(rules[0]).toMatchObject({ measure: 'p95_duration_ms', metric: null, windowMs: 600_000, forMs: 120_000, keepFiringForMs: 300_000, groupBy: ['model'], minSamples: 20, filters: [{ field: 'type', values: ['llm'] }, { field: 'model', values: ['gpt-4o', 'gpt-4o-mini'] }] });
    expect(rules[1] as AnomalyRule).toMatchObject({ kind: 'anomaly', baselineDays: 7, deviations: 3, minCount: 20, windowMs: 3_600_000 });
    expect(rules[2] as EventRule).toMatchObject({ kind: 'event', attributes: { alert: 'queue_failure' }, resolveAfterMs: 300_000 });
    expect(rules[3] as ResourceRule).toMatchObject({ kind: 'resource', resource: 'cpu', op: '>=', threshold: 95 });
  });

  it('reports every error with its line and column', () => {
    const text = [
      'alerts:', //                                  1
      '  - name: ok', //                             2
      '    condition: error_rate > 0.05', //        3
      '  - name: bad severity', //                   4
      '    condition: error_rate > 0.05', //        5
      '    severity: urgent', //                     6
      '  - name: bad condition', //                  7
      '    condition: "error_rate >> 5"', //         8
      '  - name: unknown key', //                    9
      '    condition: count > 1', //                 10
      '    treshold: 5', //                          11
      '  - name: bad window', //                     12
      '    condition: count > 1', //                 13
      '    window: five minutes', //                 14
      '    group_by: [model, nonsense]', //          15
    ].join('\n');
    const { rules, errors } = parseRulesText(text);
    expect(rules.map((r) => r.name)).toEqual(['ok']);
    expect(errors.map((e) => [e.line, e.column, e.path])).toEqual([
      [6, 15, 'alerts[1].severity'],
      [8, 16, 'alerts[2].condition'],
      [11, 5, 'alerts[3]'],
      [14, 13, 'alerts[4].window'],
      [15, 23, 'alerts[4].group_by[1]'],
    ]);
    expect(errors[0]!.message).toMatch(/info, low, medium, high, critical/);
    expect(errors[2]!.message).toMatch(/treshold/);
  });

  it('refuses an empty window or resolve_after: such a rule could never be evaluated or fire', () => {
    const { rules, errors } = parseRulesText([
      'alerts:',
      '  - name: no window',
      '    condition: count > 1',
      '    window: 0s',
      '  - name: no time to match',
      '    kind: event',
      '    types: [error]',
      '    resolve_after: 0',
      '  - name: fine',
      '    condition: count > 1',
      '    window: 1m',
    ].join('\n'));
    expect(rules.map((r) => r.name)).toEqual(['fine']);
    expect(errors.map((e) => [e.line, e.path, e.message])).toEqual([
      [4, 'alerts[0].window', expect.stringContaining('must be longer than 0s')],
      [8, 'alerts[1].resolve_after', expect.stringContaining('must be longer than 0s')],
    ]);
  });

  it('rules named in other scripts get distinct ids (all of them were file:rule, a "duplicate" that stopped the start)', () => {
    const { rules, errors } = parseRulesText([
      'alerts:',
      '  - { name: "Высокая задержка", condition: "p95_duration_ms > 2000" }',
      '  - { name: "Ошибки", condition: "error_rate > 0.05" }',
      '  - { name: "エラー率 API", condition: "error_rate > 0.1" }',
      '  - { name: "Задержка API", condition: "p95_duration_ms > 4000" }',
      '  - { name: "High Response Time", condition: "p95_duration_ms > 2000" }',
    ].join('\n'));
    expect(errors).toEqual([]);
    expect(rules.map((r) => r.id)).toEqual([
      'file:высокая-задержка', 'file:ошибки', 'file:エラー率-api', 'file:задержка-api', 'file:high-response-time',
    ]);
  });

  it('reports YAML syntax errors and duplicate names with lines', () => {
    expect(parseRulesText('alerts:\n  - name: [unclosed\n').errors[0]!.line).toBeGreaterThanOrEqual(2);
    const dup = parseRulesText('alerts:\n  - name: a\n    condition: count > 1\n  - name: a\n    condition: count > 2\n');
    expect(dup.errors).toEqual([expect.objectContaining({ line: 4, path: 'alerts[1].name' })]);
  });
});

describe('env rules (CONTRACT §8)', () => {
  it('maps seed 001 thresholds onto the rule model', () => {
    const config = loadConfig({ env: { ALERT_RESPONSE_TIME_MS: '2000', ALERT_ERROR_RATE_PERCENT: '5', ALERT_CPU_PERCENT: '90', ALERT_DISK_PERCENT: '85' }, cwd: '/nonexistent' });
    const rules = envRules(config.alerts);
    expect(rules.map((r) => r.id)).toEqual(['env:response-time', 'env:error-rate', 'env:cpu', 'env:disk']);
    expect(rules[0]).toMatchObject({ measure: 'avg_duration_ms', threshold: 2000, windowMs: 300_000, filters: [{ field: 'type', values: ['llm'] }] });
    expect(rules[1]).toMatchObject({ measure: 'error_rate', threshold: 0.05 });
    expect(rules[3]).toMatchObject({ kind: 'resource', resource: 'disk', threshold: 85 });
  });
});

describe('docs/alerting.md', () => {
  it('every YAML example is a valid rules file', () => {
    const doc = readFileSync(new URL('../../../../../docs/alerting.md', import.meta.url), 'utf8');
    const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThanOrEqual(8);
    for (const block of blocks) {
      const { rules, errors } = parseRulesText(block);
      expect(errors, block).toEqual([]);
      expect(rules.length, block).toBeGreaterThan(0);
    }
  });
});

describe('measures that need a dimension', () => {
  it('avg_phase_ms needs group_by phase', () => {
    expect(parseRulesText('alerts:\n  - name: p\n    condition: avg_phase_ms > 500\n').errors[0]).toMatchObject({ line: 3, path: 'alerts[0].condition', message: 'avg_phase_ms needs group_by: [phase]' });
    expect(parseRulesText('alerts:\n  - name: p\n    condition: avg_phase_ms > 500\n    group_by: [phase]\n').errors).toEqual([]);
  });
});
