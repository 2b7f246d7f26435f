/**
 * `GET /api/analytics/personas/relationships` — seed 001's `persona_relationships`. A relationship is
 * an unordered pair (persona, target) of `interaction` events named `banter`; its affinity is the
 * latest `value` sent for the pair in either direction, its stage the latest `attributes.stage`.
 */
import { eq, MetaBuilder, num, numOrNull, read, round, type RolledInput } from './common.js';
import { pairStatement } from './duckdb/interactions.js';
import { statementsFor } from './duckdb/sql.js';
import { BANTER, INTERACTION } from './vocabulary.js';

export interface Pair {
  a: string;
  b: string;
  interactions: number;
  /** Latest and earliest affinity in the range; null when no event of the pair carries a value. */
  last: number | null;
  first: number | null;
  stage: string | null;
}

/** Stage thresholds when a bot sends affinity without `attributes.stage` (docs/ingest.md). */
export function stageOf(affinity: number): string {
  return affinity >= 80 ? 'besties' : affinity >= 60 ? 'friends' : affinity >= 40 ? 'frenemies' : 'rivals';
}

/** A change of average affinity within ±TREND_BAND points is `stable`. */
export const TREND_BAND = 1;

/** Rows grouped by persona and target (and possibly more) with count, and the first/last value and its time. */
type PairRow = Record<string, string | number | null>;

/**
 * Unordered pairs from rows grouped by (persona, target, …): interactions summed, the latest value by the time of
 * the latest event with a value (last_value_seen) and the earliest by that of the earliest (first_value_seen) across
 * both directions and any extra dimension — not by the direction's last or first event, which may carry no value.
 */
export function mergePairs(rows: readonly PairRow[]): Map<string, Pair & { lastAt: number; firstAt: number; stageAt: number }> {
  const pairs = new Map<string, Pair & { lastAt: number; firstAt: number; stageAt: number }>();
  for (const r of rows) {
    if (typeof r.persona !== 'string' || typeof r.target !== 'string' || r.persona === r.target) continue;
    const [a, b] = [r.persona, r.target].sort() as [string, string];
    const key = `${a}\u0000${b}`;
    const p = pairs.get(key) ?? { a, b, interactions: 0, last: null, first: null, stage: null, lastAt: -Infinity, firstAt: Infinity, stageAt: -Infinity };
    p.interactions += num(r.count);
    const lastSeen = num(r.last_value_seen);
    const firstSeen = num(r.first_value_seen);
    if (numOrNull(r.last_value) !== null && lastSeen > p.lastAt) { p.last = r.last_value as number; p.lastAt = lastSeen; }
    if (numOrNull(r.first_value) !== null && firstSeen < p.firstAt) { p.first = r.first_value as number; p.firstAt = firstSeen; }
    pairs.set(key, p);
  }
  return pairs;
}

export const PAIR_MEASURES = ['count', 'last_value', 'first_value', 'last_value_seen', 'first_value_seen'] as const;

export async function relationshipPairs(input: RolledInput) {
  const where = [eq('type', INTERACTION), eq('name', BANTER)];
  const [values, stages] = statementsFor(input)
    ? await pairStatement(input).then((p) => [{ rows: p.values, truncated: false }, { rows: p.stages }] as const)
    : await Promise.all([
      read(input, { measures: [...PAIR_MEASURES], dimensions: ['persona', 'target'], where }),
      read(input, { measures: ['last_seen'], dimensions: ['persona', 'target', 'attributes.stage'], where }),
    ]);
  const pairs = mergePairs(values.rows);
  for (const r of stages.rows) {
    if (typeof r.persona !== 'string' || typeof r.target !== 'string' || typeof r['attributes.stage'] !== 'string') continue;
    const [a, b] = [r.persona, r.target].sort() as [string, string];
    const p = pairs.get(`${a}\u0000${b}`);
    if (p && num(r.last_seen) > p.stageAt) { p.stage = r['attributes.stage']; p.stageAt = num(r.last_seen); }
  }
  return { pairs: [...pairs.values()].map(({ a, b, interactions, last, first, stage }) => ({ a, b, interactions, last, first, stage })), truncated: values.truncated };
}

export async function personaRelationships(input: RolledInput) {
  const meta = new MetaBuilder(input.range);
  const { pairs, truncated } = await relationshipPairs(input);
  if (truncated) meta.truncated.push('relationship_matrix');
  const matrix: Record<string, Record<string, { affinity: number | null; stage: string | null; interactions: number }>> = {};
  for (const p of pairs) {
    const affinity = p.last === null ? null : round(p.last, 1);
    const cell = { affinity, stage: p.stage ?? (p.last === null ? null : stageOf(p.last)), interactions: p.interactions };
    (matrix[p.a] ??= {})[p.b] = cell;
    (matrix[p.b] ??= {})[p.a] = { ...cell };
  }
  const valued = pairs.filter((p) => p.last !== null);
  const trended = pairs.filter((p) => p.last !== null && p.first !== null);
  const delta = trended.length > 0 ? trended.reduce((s, p) => s + (p.last! - p.first!), 0) / trended.length : null;
  const top = [...pairs].sort((x, y) => y.interactions - x.interactions || `${x.a}${x.b}`.localeCompare(`${y.a}${y.b}`))[0];
  return {
    persona_relationships: {
      relationship_matrix: matrix,
      analytics: {
        total_interactions: pairs.reduce((s, p) => s + p.interactions, 0),
        avg_affinity: meta.orNull('analytics.avg_affinity', valued.length > 0 ? round(valued.reduce((s, p) => s + p.last!, 0) / valued.length, 1) : null, 'no banter interaction carries an affinity value'),
        relationship_trends: meta.orNull(
          'analytics.relationship_trends',
          delta === null ? null : delta > TREND_BAND ? 'improving' : delta < -TREND_BAND ? 'declining' : 'stable',
          'no banter interaction carries an affinity value',
        ),
        most_active_pair: meta.orNull('analytics.most_active_pair', top ? [top.a, top.b] : null, 'no banter interaction in the range'),
      },
    },
    meta: { ...meta.build(), affinity_change: delta === null ? null : round(delta, 2) },
  };
}
