import { LIMITS } from '@pulse/protocol';
import type { MonitoringCore } from './core.js';
import type { KPI } from './types.js';

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const tokens = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.round(v) : 0);

/**
 * seed 002's KPIs: each updates its Prometheus family and ships an event. Counter increments go out as
 * `metric` events named after the counter (value = the increment, labels as attributes); users, payments
 * keep their own event types.
 */
export function trackKPI(core: MonitoringCore, kpi: KPI): void {
  const { metrics: m, service } = core;
  switch (kpi.type) {
    case 'active_user': {
      const { userId, ...ctx } = kpi.data;
      core.activeUsers.touch(String(userId));
      core.ship({ type: 'user', name: 'active', user_id: String(userId) }, ctx);
      return;
    }
    case 'generation_success': {
      const d = kpi.data;
      m.generationSuccess.inc({ service, type: core.label('type', d.type) });
      core.ship({
        type: 'metric', name: 'generation_success_total', value: 1, status: 'ok',
        model: d.model, user_id: d.userId, duration_ms: num(d.durationMs), attributes: { type: text(d.type) },
      });
      return;
    }
    case 'generation_failure': {
      const d = kpi.data;
      // The same word in the label and the event, also when the caller had no error type.
      const errorType = d.errorType ? String(d.errorType).slice(0, LIMITS.maxErrorTypeLength) : 'unknown';
      m.generationFailure.inc({ service, type: core.label('type', d.type), error_type: core.label('error_type', errorType) });
      core.ship({
        type: 'metric', name: 'generation_failure_total', value: 1, status: 'error', error_type: errorType,
        error_message: d.message, model: d.model, user_id: d.userId, duration_ms: num(d.durationMs), attributes: { type: text(d.type) },
      });
      return;
    }
    case 'token_spend': {
      const d = kpi.data;
      const n = tokens(d.tokens);
      m.tokenSpend.inc({ service, model: core.label('model', d.model), type: core.label('type', d.type) }, n);
      core.ship({ type: 'metric', name: 'token_spend_total', value: n, model: d.model, user_id: d.userId, attributes: { type: text(d.type) } });
      return;
    }
    case 'payment_conversion': {
      const d = kpi.data;
      m.paymentConversions.inc({ service, payment_method: core.label('payment_method', d.paymentMethod), plan: core.label('plan', d.plan) });
      core.ship({
        type: 'payment', name: text(d.plan, LIMITS.maxNameLength), status: 'ok', value: num(d.amount), user_id: d.userId,
        attributes: { payment_method: text(d.paymentMethod), plan: text(d.plan), ...(d.currency ? { currency: d.currency } : {}) },
      });
      return;
    }
    case 'payment_failure': {
      const d = kpi.data;
      m.paymentFailures.inc({
        service, payment_method: core.label('payment_method', d.paymentMethod), plan: core.label('plan', d.plan),
        error_type: core.label('error_type', d.errorType),
      });
      core.ship({
        type: 'payment', name: text(d.plan, LIMITS.maxNameLength), status: 'error', error_type: text(d.errorType, LIMITS.maxErrorTypeLength), value: num(d.amount), user_id: d.userId,
        attributes: { payment_method: text(d.paymentMethod), plan: text(d.plan), ...(d.currency ? { currency: d.currency } : {}) },
      });
      return;
    }
    default:
      core.log.warn('unknown_kpi', { type: (kpi as { type?: unknown }).type }, 'pulse: unknown KPI type ignored');
  }
}

/**
 * A label's word as the event carries it: the caller's, or `unknown` (the label's word) without one — never the
 * text "undefined", which Pulse would count under another series than this process. A `max` cuts it to the
 * field's limit: an error message passed as the error type must not cost the whole event.
 */
function text(value: unknown, max?: number): string {
  return value === undefined || value === null || value === '' ? 'unknown' : String(value).slice(0, max);
}

