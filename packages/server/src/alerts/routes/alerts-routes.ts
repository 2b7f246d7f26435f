import type { FastifyInstance } from 'fastify';
import { badRequest, HttpError } from '../../http/errors.js';
import type { AlertEngine } from '../engine/engine.js';
import { toAlertJson, type AlertInstance } from '../engine/instance.js';
import { parseDuration } from '../rules/duration.js';
import type { AlertStore } from '../store/alert-store.js';
import { ALERT_SEVERITIES, type AlertState } from '../types.js';
import { parseTime } from './support.js';

const STATES: readonly AlertState[] = ['pending', 'firing', 'acknowledged', 'resolved'];

export interface AlertListDeps {
  engine: AlertEngine;
  alertStore: AlertStore;
  clock: { now(): number };
}

/** `GET /v1/analytics/alerts` (seed 004, with filters) and `POST /v1/analytics/alerts/{id}/acknowledge`. */
export function registerAlertListRoutes(app: FastifyInstance, deps: AlertListDeps): void {
  const view = (a: AlertInstance): Record<string, unknown> => {
    const silence = deps.engine.silencing(a);
    return { ...toAlertJson(a), silenced_by: silence?.id ?? null };
  };

  app.get('/v1/analytics/alerts', { config: { scope: 'read' } }, async (request) => {
    const q = request.query as Record<string, string | undefined>;
    for (const key of Object.keys(q)) {
      // `project` and `api_key` are the auth hook's (CONTRACT §3).
      if (!['severity', 'state', 'limit', 'since', 'rule', 'project', 'api_key'].includes(key)) throw badRequest(key, 'unknown parameter (severity, state, limit, since, rule)');
      // A repeated parameter arrives as an array.
      if (typeof q[key] !== 'string') throw badRequest(key, 'expected one value');
    }
    // `warning` reads as `medium` here as in rules and events (seed 001's alerts say "warning").
    // Any case, as rules take them (`HIGH`, `Warning`).
    const severityWord = q.severity?.toLowerCase();
    const severity = severityWord === 'warning' ? 'medium' : severityWord;
    const state = q.state?.toLowerCase();
    if (severity !== undefined && !(ALERT_SEVERITIES as readonly string[]).includes(severity)) {
      throw badRequest('severity', `must be one of ${ALERT_SEVERITIES.join(', ')} (or warning)`);
    }
    if (state !== undefined && !(STATES as readonly string[]).includes(state)) throw badRequest('state', `must be one of ${STATES.join(', ')}`);
    let limit = 100;
    if (q.limit !== undefined) {
      limit = Number(q.limit);
      if (!/^\d+$/.test(q.limit) || limit < 1 || limit > 1000) throw badRequest('limit', 'must be an integer in 1..1000');
    }
    const now = deps.clock.now();
    const since = q.since === undefined ? undefined : parseTime('since', q.since, now, parseDuration);
    const alerts = await deps.alertStore.listAlerts({
      project: request.pulseAuth!.project, limit,
      ...(severity !== undefined ? { severity } : {}),
      ...(state !== undefined ? { state: state as AlertState } : {}),
      ...(q.rule !== undefined ? { rule: q.rule } : {}),
      ...(since !== undefined ? { since } : {}),
    });
    // Tracked alerts carry their latest value in memory; the store has the value of their last state change.
    const live = new Map(deps.engine.tracked(request.pulseAuth!.project).map((a) => [a.id, a]));
    return { alerts: alerts.map((a) => view(live.get(a.id) ?? a)) };
  });

  app.post<{ Params: { id: string } }>('/v1/analytics/alerts/:id/acknowledge', { config: { scope: 'admin' } }, async (request) => {
    const project = request.pulseAuth!.project;
    const acked = await deps.engine.acknowledge(request.params.id, project);
    if (acked !== null) return view(acked);
    const stored = await deps.alertStore.getAlert(request.params.id);
    if (stored === null || stored.project !== project) throw new HttpError(404, 'not_found', `alert ${request.params.id}: no such alert`);
    throw new HttpError(409, 'not_firing', `alert ${request.params.id}: is ${stored.state}; only a firing alert can be acknowledged`);
  });
}
