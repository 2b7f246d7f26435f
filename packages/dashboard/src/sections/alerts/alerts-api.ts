import { authStore } from '../../api/auth';
import { ApiError, apiPath, getJson } from '../../api/client';
import type { QueryCtx } from '../../api/query';

export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';

/** The alert JSON of `GET /v1/analytics/alerts` (CONTRACT §8). */
export interface Alert {
  id: string;
  rule: string;
  rule_name: string;
  alert_type: string;
  severity: Severity;
  state: 'pending' | 'firing' | 'acknowledged' | 'resolved';
  message: string;
  details: Record<string, string | number | boolean | null>;
  labels: Record<string, string>;
  timestamp: string;
  starts_at: string;
  ends_at: string | null;
  silenced_by: string | null;
}

export interface Rule {
  id: string;
  name: string;
  kind: string;
  severity: Severity;
  source: 'env' | 'file' | 'api';
  enabled: boolean;
  measure?: string;
  op?: string;
  threshold?: number;
  window?: string;
  for: string;
  budget_usd?: number;
  resource?: string;
  current: { value: number | string | null; series: number; evaluated_at: string; note: string | null } | null;
  firing: number;
  pending: number;
}

export interface Silence {
  id: string;
  matchers: { name: string; op: string; value: string }[];
  starts_at: string;
  ends_at: string;
  comment: string | null;
  created_by: string | null;
  status: { state: 'pending' | 'active' | 'expired' };
}

function params(ctx: QueryCtx, extra: Record<string, string> = {}): URLSearchParams {
  const q = new URLSearchParams(extra);
  if (ctx.project) q.set('project', ctx.project);
  return q;
}

/** Loads through getJson and records the URL on the panel (`data-queries`). */
async function load<T>(ctx: QueryCtx, path: string, extra: Record<string, string> = {}): Promise<T> {
  const q = params(ctx, extra);
  ctx.record(apiPath(path, q));
  return getJson<T>(path, q, { signal: ctx.signal });
}

export const loadAlerts = (ctx: QueryCtx, extra: Record<string, string>) => load<{ alerts: Alert[] }>(ctx, 'v1/analytics/alerts', extra);
export const loadRules = (ctx: QueryCtx) => load<{ rules: Rule[]; can_write: boolean }>(ctx, 'v1/alert-rules');
export const loadSilences = (ctx: QueryCtx) => load<{ silences: Silence[] }>(ctx, 'v1/silences');

/** A write with the stored key (admin scope); the server's error message is shown as is. */
export async function send(method: 'POST' | 'DELETE', path: string, project: string | null, body?: unknown): Promise<void> {
  const key = authStore.get().key;
  const q = new URLSearchParams();
  if (project) q.set('project', project);
  const res = await fetch(apiPath(path, q), {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) {
    const err = ((await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(res.status, err?.code ?? 'http_error', err?.message ?? `HTTP ${res.status}`);
  }
}

/** Matchers that silence exactly this alert's series (every label but severity, which a rule edit may change). */
export function matchersFor(alert: Alert): { name: string; op: '='; value: string }[] {
  return Object.entries(alert.labels).filter(([k]) => k !== 'severity').map(([name, value]) => ({ name, op: '=', value }));
}
