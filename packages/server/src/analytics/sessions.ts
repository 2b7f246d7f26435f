/**
 * Sessions: the events sharing a `session_id` (docs/ingest.md "Sessions"). Their span is read per
 * session through the query layer (first_seen/last_seen grouped by session_id), newest first.
 */
import type { Filter } from '../query/types.js';
import { read, type PresetInput } from './common.js';

export interface SessionSpan {
  id: string;
  firstMs: number;
  lastMs: number;
  events: number;
}

export async function sessionSpans(input: PresetInput, where: Filter[]): Promise<{ sessions: SessionSpan[]; truncated: boolean }> {
  const exec = await read(input, {
    measures: ['first_seen', 'last_seen', 'count'],
    dimensions: ['session_id'],
    where,
    order: [{ name: 'last_seen', direction: 'desc' }],
  });
  const sessions: SessionSpan[] = [];
  for (const r of exec.rows) {
    if (typeof r.session_id !== 'string' || typeof r.first_seen !== 'number' || typeof r.last_seen !== 'number') continue;
    sessions.push({ id: r.session_id, firstMs: r.first_seen, lastMs: r.last_seen, events: Number(r.count) || 0 });
  }
  return { sessions, truncated: exec.truncated };
}

/** Session-length histogram bins, minutes (upper bound exclusive); the last is open-ended. */
export const SESSION_BINS = [
  { label: '<1m', maxMin: 1 },
  { label: '1-5m', maxMin: 5 },
  { label: '5-15m', maxMin: 15 },
  { label: '15-30m', maxMin: 30 },
  { label: '30-60m', maxMin: 60 },
  { label: '60m+', maxMin: Infinity },
] as const;

export function sessionLengthDistribution(sessions: readonly SessionSpan[]): Array<{ bucket: string; sessions: number }> {
  const counts = SESSION_BINS.map(() => 0);
  for (const s of sessions) {
    const min = (s.lastMs - s.firstMs) / 60_000;
    const i = SESSION_BINS.findIndex((b) => min < b.maxMin);
    counts[i]! += 1;
  }
  return SESSION_BINS.map((b, i) => ({ bucket: b.label, sessions: counts[i]! }));
}
