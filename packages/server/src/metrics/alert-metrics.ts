import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { CHANNEL_TYPES } from '../alerts/channels/registry.js';
import { DELIVERY_OUTCOMES } from '../alerts/delivery/delivery-store.js';
import { ALERT_SEVERITIES, type AlertSeverity } from '../alerts/types.js';

/**
 * What the alert engine and the notifier report to /metrics. The engine calls `evaluation` once per
 * evaluation round (every scheduled rule, their queries shared) and `firing` whenever the alerts firing may
 * have changed; the notifier calls `delivery` once per send attempt with the channel's type and the attempt's
 * outcome (success | retry | failure | dropped, as `GET /v1/alert-deliveries` records it).
 */
export interface AlertMetrics {
  evaluation(seconds: number, ok: boolean): void;
  /** Alerts now firing (acknowledged ones included), by severity; severities left out are 0. */
  firing(counts: Partial<Record<AlertSeverity, number>>): void;
  delivery(channel: string, outcome: string): void;
}

/** Rule evaluations are queries over the store: milliseconds to seconds. */
const EVALUATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createAlertMetrics(registry: Registry): AlertMetrics {
  const registers = [registry];
  const evaluations = new Counter({ name: 'pulse_alert_evaluations_total', help: 'Alert evaluation rounds (every scheduled rule), by outcome (ok|error: a query failed)', labelNames: ['outcome'], registers });
  const duration = new Histogram({ name: 'pulse_alert_evaluation_duration_seconds', help: 'Time of one alert evaluation round', buckets: EVALUATION_BUCKETS, registers });
  const firing = new Gauge({ name: 'pulse_alerts_firing', help: 'Pulse alerts firing now, by severity', labelNames: ['severity'], registers });
  const deliveries = new Counter({
    name: 'pulse_alert_deliveries_total', help: 'Notification attempts, by channel type and outcome (success|retry|failure|dropped)',
    labelNames: ['channel', 'outcome'], registers,
  });
  // Present from the start, so `pulse_alerts_firing > 0` and rate() have a series before the first alert.
  for (const s of ALERT_SEVERITIES) firing.set({ severity: s }, 0);
  for (const o of ['ok', 'error']) evaluations.inc({ outcome: o }, 0);
  // Every channel type and outcome at 0, for the same reason: an alert on increase() sees the first failure.
  for (const channel of CHANNEL_TYPES) for (const outcome of DELIVERY_OUTCOMES) deliveries.inc({ channel, outcome }, 0);
  return {
    evaluation(seconds, ok) {
      evaluations.inc({ outcome: ok ? 'ok' : 'error' });
      duration.observe(seconds);
    },
    firing(counts) {
      for (const s of ALERT_SEVERITIES) firing.set({ severity: s }, counts[s] ?? 0);
    },
    delivery(channel, outcome) {
      deliveries.inc({ channel, outcome });
    },
  };
}
