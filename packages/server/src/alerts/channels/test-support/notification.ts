/** A notification as the engine builds it: two alerts of one rule, grouped by `service`. */
import type { AlertJson, Notification } from '../../types.js';

export function fixtureAlert(over: Partial<AlertJson> = {}): AlertJson {
  return {
    id: 'al-1',
    rule: 'rule-latency',
    rule_name: 'High latency',
    project: 'default',
    alert_type: 'performance',
    severity: 'critical',
    state: 'firing',
    message: 'Average response time exceeded threshold',
    details: { current: 5200, threshold: 5000, duration: '5 minutes', affected_service: 'ollama', unit: 'ms' },
    labels: { service: 'api', model: 'gpt-4o' },
    annotations: { runbook: 'https://runbooks.example.com/latency' },
    timestamp: '2026-12-01T08:00:00.000Z',
    starts_at: '2026-12-01T07:55:00.000Z',
    ends_at: null,
    fingerprint: 'fp-0001',
    ...over,
  };
}

export function fixtureNotification(over: Partial<Notification> = {}): Notification {
  return {
    status: 'firing',
    groupKey: 'rule-latency:{service="api"}',
    groupLabels: { service: 'api' },
    commonLabels: { service: 'api' },
    commonAnnotations: { runbook: 'https://runbooks.example.com/latency' },
    alerts: [
      fixtureAlert(),
      fixtureAlert({
        id: 'al-2', severity: 'medium', fingerprint: 'fp-0002', labels: { service: 'api', model: 'claude-3' },
        message: 'Average response time of claude-3 exceeded threshold', details: { current: 5100.25, threshold: 5000, unit: 'ms' },
      }),
    ],
    notify: [],
    externalUrl: 'http://pulse.example.com:8000',
    ...over,
  };
}

/** The same group once every alert has resolved. */
export function resolvedNotification(n: Notification = fixtureNotification()): Notification {
  return {
    ...n,
    status: 'resolved',
    alerts: n.alerts.map((a) => ({ ...a, state: 'resolved', ends_at: '2026-12-01T08:10:00.000Z', timestamp: '2026-12-01T08:10:00.000Z' })),
  };
}
