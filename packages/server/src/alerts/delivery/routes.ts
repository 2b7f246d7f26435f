/** `GET /v1/alert-deliveries?alert_id=&channel=&outcome=&limit=` (CONTRACT §8): every attempt and its outcome. */
import type { FastifyInstance } from 'fastify';
import { badRequest } from '../../http/errors.js';
import { DELIVERY_OUTCOMES, type DeliveryOutcome, type DeliveryQuery, type DeliveryStore } from './delivery-store.js';

/** `project` and `api_key` are the auth hook's (CONTRACT §3). */
const ALLOWED = new Set(['alert_id', 'channel', 'outcome', 'limit', 'project', 'api_key']);

export function parseDeliveryQuery(q: Record<string, unknown>, project: string): DeliveryQuery {
  for (const k of Object.keys(q)) if (!ALLOWED.has(k)) throw badRequest(k, 'unknown parameter (alert_id, channel, outcome, limit)');
  const one = (k: string): string | undefined => {
    const v = q[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.trim() === '') throw badRequest(k, 'expected one non-empty value');
    if (v.length > 512) throw badRequest(k, 'at most 512 characters');
    return v.trim();
  };
  const out: DeliveryQuery = { project, limit: 100 };
  const alertId = one('alert_id');
  if (alertId !== undefined) out.alertId = alertId;
  const channel = one('channel');
  if (channel !== undefined) out.channel = channel;
  const outcome = one('outcome');
  if (outcome !== undefined) {
    if (!DELIVERY_OUTCOMES.includes(outcome as DeliveryOutcome)) throw badRequest('outcome', `one of ${DELIVERY_OUTCOMES.join(', ')}`);
    out.outcome = outcome as DeliveryOutcome;
  }
  const limit = one('limit');
  if (limit !== undefined) {
    const n = Number(limit);
    if (!/^\d+$/.test(limit) || n < 1 || n > 1000) throw badRequest('limit', 'an integer in 1..1000');
    out.limit = n;
  }
  return out;
}

export function registerDeliveryRoutes(app: FastifyInstance, deps: { deliveries: DeliveryStore }): void {
  app.get('/v1/alert-deliveries', { config: { scope: 'read' } }, async (request) => {
    const q = parseDeliveryQuery(request.query as Record<string, unknown>, request.pulseAuth!.project);
    const rows = await deps.deliveries.list(q);
    return {
      deliveries: rows.map((r) => ({
        id: r.id, timestamp: new Date(r.at).toISOString(), alert_ids: r.alert_ids, group_key: r.group_key,
        status: r.status, channel: r.channel, channel_type: r.channel_type, target: r.target, attempt: r.attempt,
        outcome: r.outcome, status_code: r.status_code, error: r.error, duration_ms: r.duration_ms,
      })),
    };
  });
}
