/**
 * Reads of `interaction` events named `banter` as single statements over interaction_day's rows (sql.ts
 * tableRows: the user rollups' interaction_day and interaction_hour, raw events at the edges — or raw events only,
 * when filtered on other fields than its keys): the banter view's three grouped reads and the relationships' two
 * in one statement each. (Raw, each map lookup — `attributes[…]` — decodes the attribute maps of every event.)
 */
import type { NamedRow } from '../../query/run.js';
import type { RolledInput } from '../user-rollups/read.js';
import { BANTER } from '../vocabulary.js';
import { INTERACTION_DAY } from '../user-rollups/tables.js';
import { binder, byPart, n, run, s, tableRows } from './sql.js';

const banter = [{ field: 'name' as const, values: [BANTER] }];

export interface BanterCounts {
  /** Exchanges by `attributes.exchange_length`, by `attributes.continued` and by topic (the values as read: strings or null). */
  lengths: NamedRow[];
  continued: NamedRow[];
  topics: NamedRow[];
}

export async function banterStatement(input: RolledInput): Promise<BanterCounts> {
  const b = binder();
  const rows = tableRows(input, b, INTERACTION_DAY, banter);
  const sql = `SELECT CASE WHEN grouping(el) = 0 THEN 'length' WHEN grouping(cont) = 0 THEN 'continued' ELSE 'topic' END AS part, el, cont, topic, sum(n) AS n
    FROM (SELECT exchange_length AS el, continued AS cont, topic, n FROM (${rows}) AS i) AS e GROUP BY GROUPING SETS ((el), (cont), (topic))`;
  const out: BanterCounts = { lengths: [], continued: [], topics: [] };
  for (const r of await run(input, sql, b)) {
    if (r.part === 'length') out.lengths.push({ 'attributes.exchange_length': s(r.el), count: n(r.n) });
    else if (r.part === 'continued') out.continued.push({ 'attributes.continued': s(r.cont), count: n(r.n) });
    else out.topics.push({ topic: s(r.topic), count: n(r.n) });
  }
  return out;
}

export interface PairRows {
  /**
   * Per direction (persona, target): count, last_value, first_value and their times (last_value_seen, first_value_seen)
   * — in the order of the query layer's read (count desc, persona, target).
   */
  values: NamedRow[];
  /** Per direction and `attributes.stage`: last_seen, in that read's order (last_seen desc, persona, target, stage). */
  stages: NamedRow[];
}

/** The rows relationships.ts reads for banter pairs, from one scan grouped by persona, target and stage. */
export async function pairStatement(input: RolledInput): Promise<PairRows> {
  const b = binder();
  const rows = tableRows(input, b, INTERACTION_DAY, banter);
  const sql = `WITH g AS MATERIALIZED (
      SELECT persona, target, stage, sum(n) AS n, max(last_ts) AS ls,
        arg_max(value_last, value_last_ts) AS lv, max(value_last_ts) AS lvt, arg_min(value_first, value_first_ts) AS fv, min(value_first_ts) AS fvt
      FROM (${rows}) AS i GROUP BY persona, target, stage)
    SELECT 'value' AS part, persona, target, NULL AS stage, sum(n) AS count, epoch_ms(max(ls)) AS last_seen,
      arg_max(lv, lvt) AS last_value, arg_min(fv, fvt) AS first_value, epoch_ms(max(lvt)) AS last_value_seen, epoch_ms(min(fvt)) AS first_value_seen,
      row_number() OVER (ORDER BY sum(n) DESC, persona ASC, target ASC) AS ord
    FROM g GROUP BY persona, target
    UNION ALL SELECT 'stage' AS part, persona, target, stage, NULL, epoch_ms(ls), NULL, NULL, NULL, NULL,
      row_number() OVER (ORDER BY ls DESC, persona ASC, target ASC, stage ASC) AS ord FROM g`;
  const parts = byPart(await run(input, sql, b));
  const value = (v: unknown): number | null => (typeof v === 'number' ? v : null);
  return {
    values: (parts.get('value') ?? []).map((r) => ({
      persona: s(r.persona), target: s(r.target), count: n(r.count),
      last_value: value(r.last_value), first_value: value(r.first_value), last_value_seen: value(r.last_value_seen), first_value_seen: value(r.first_value_seen),
    })),
    stages: (parts.get('stage') ?? []).map((r) => ({ persona: s(r.persona), target: s(r.target), 'attributes.stage': s(r.stage), last_seen: value(r.last_seen) })),
  };
}
