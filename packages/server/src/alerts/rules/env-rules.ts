import type { AlertEnvConfig } from '../../config/types.js';
import type { AlertRule } from './model.js';
import { parseRule, type RuleInput } from './schema.js';

/**
 * Seed 001's env thresholds as rules (CONTRACT §8): response time → mean `duration_ms` of `llm` events over 5 min,
 * error rate (percent) → `error_rate` (a fraction) over 5 min, CPU/memory/disk → the host. Ids are stable (`env:…`)
 * so their state survives restarts.
 */
export function envRules(alerts: AlertEnvConfig, notify: string[] = []): AlertRule[] {
  const inputs: Array<[string, RuleInput]> = [];
  if (alerts.responseTimeMs !== null) {
    inputs.push(['env:response-time', {
      name: 'High response time', measure: 'avg_duration_ms', op: '>', threshold: alerts.responseTimeMs, window: '5m',
      filters: { type: 'llm' }, severity: 'high', labels: { alert_type: 'performance' }, notify,
    }]);
  }
  if (alerts.errorRatePercent !== null) {
    inputs.push(['env:error-rate', {
      name: 'High error rate', measure: 'error_rate', op: '>', threshold: alerts.errorRatePercent / 100, window: '5m',
      severity: 'high', labels: { alert_type: 'error_rate' }, notify,
    }]);
  }
  for (const [key, resource] of [['cpuPercent', 'cpu'], ['memoryPercent', 'memory'], ['diskPercent', 'disk']] as const) {
    const value = alerts[key];
    if (value === null) continue;
    inputs.push([`env:${resource}`, {
      name: `High ${resource} use`, kind: 'resource', resource, op: '>', threshold: value, for: '1m', severity: 'high', notify,
    }]);
  }
  return inputs.map(([id, input]) => {
    const parsed = parseRule(input, { source: 'env', project: 'default', id });
    // The config layer already range-checked these numbers: a failure here is a bug, not user input.
    if (!parsed.ok) throw new Error(`${id}: ${parsed.issues.map((i) => i.message).join('; ')}`);
    return parsed.rule;
  });
}
