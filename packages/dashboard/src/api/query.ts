import type { FilterField, Filters } from '../state/view';
import { type Interval, rfc3339 } from '../lib/time';
import { apiPath, getJson } from './client';
import type { QueryResponse, Row } from './types';

/**
 * Everything a panel needs to ask for its data: the resolved range and filters of the current view,
 * and a recorder of the URLs it asked (shown on the panel as `data-queries`, so a test or a curious
 * user can rerun exactly what the panel shows).
 */
export interface QueryCtx {
  startMs: number;
  endMs: number;
  /** The default bucket size for this range. */
  interval: Interval;
  /** The range ends now and follows the clock. */
  relative: boolean;
  filters: Filters;
  project: string | null;
  signal: AbortSignal;
  record(url: string): void;
}

/** One `GET /v1/query`: measures × dimensions × interval, plus fixed filters (e.g. `type=llm`). */
export interface QuerySpec {
  measures: string[];
  dimensions?: string[];
  interval?: Interval;
  order?: string;
  limit?: number;
  where?: Partial<Record<string, string>>;
  /** Overrides the view's start (the rolling error rate reaches back a few buckets). */
  startMs?: number;
}

/** Range, project and the view's filters, in the query API's names. */
export function commonParams(ctx: QueryCtx, where: QuerySpec['where'] = {}, startMs = ctx.startMs): URLSearchParams {
  const q = new URLSearchParams();
  q.set('start_date', rfc3339(startMs));
  q.set('end_date', rfc3339(ctx.endMs));
  if (ctx.project) q.set('project', ctx.project);
  for (const [field, value] of Object.entries(where)) if (value !== undefined) q.append(field, value);
  for (const field of Object.keys(ctx.filters) as FilterField[]) {
    for (const value of ctx.filters[field]) q.append(field, value);
  }
  return q;
}

export async function runQuery<R = Row>(ctx: QueryCtx, spec: QuerySpec): Promise<R[]> {
  const q = commonParams(ctx, spec.where, spec.startMs);
  q.set('measures', spec.measures.join(','));
  if (spec.dimensions?.length) q.set('dimensions', spec.dimensions.join(','));
  if (spec.interval) q.set('interval', spec.interval);
  if (spec.order) q.set('order', spec.order);
  if (spec.limit) q.set('limit', String(spec.limit));
  ctx.record(apiPath('v1/query', q));
  const res = await getJson<QueryResponse<R>>('v1/query', q, { signal: ctx.signal });
  return res.data;
}

/** One of the preset endpoints (`/api/metrics`, `/v1/analytics/...`) over the view's range and filters. */
export async function runPreset<T>(ctx: QueryCtx, path: string, where: QuerySpec['where'] = {}): Promise<T> {
  const q = commonParams(ctx, where);
  ctx.record(apiPath(path, q));
  return getJson<T>(path, q, { signal: ctx.signal });
}

/** A measure's value as a number (the API answers numbers, or null when there is nothing to average). */
export function n(row: Row | undefined, key: string): number | null {
  const v = row?.[key];
  return typeof v === 'number' ? v : null;
}

export function n0(row: Row | undefined, key: string): number {
  return n(row, key) ?? 0;
}
