/**
 * One user's drill-down in two statements over the range: the user's user-rollup rows grouped once by type,
 * persona, session and day — totals, messages per persona, daily events, LLM cost and revenue — and the user's
 * message topics and affinities from user_topic_hour (seven reads before). Lifetime figures and the plan read all history.
 */
import type { NamedRow } from '../../query/run.js';
import type { RolledInput } from '../user-rollups/read.js';
import { USER_SESSION_DAY, USER_TOPIC_HOUR } from '../user-rollups/tables.js';
import { AFFINITY, INTERACTION, LLM, MESSAGE, PAYMENT } from '../vocabulary.js';
import { binder, byPart, n, nOrNull, run, s, tableRows, userRows } from './sql.js';

export interface UserRange {
  events: number;
  sessions: number;
  /** Messages per persona, most first (`persona`, `count`). */
  personas: NamedRow[];
  /** Events per UTC day, in day order (`bucket`, `count`). */
  daily: NamedRow[];
  costUsd: number;
  llmCalls: number;
  revenueUsd: number;
  /** Messages by topic; the latest affinity by persona. */
  topics: NamedRow[];
  affinity: NamedRow[];
}

export async function userRangeStatements(input: RolledInput, userId: string): Promise<UserRange> {
  const me = [{ field: 'user_id' as const, values: [userId] }];
  const b = binder();
  const rows = userRows(input, b, USER_SESSION_DAY, input.range, me);
  const [message, llm, payment] = [b.bind(MESSAGE), b.bind(LLM), b.bind(PAYMENT)];
  const sql = `WITH d AS MATERIALIZED (
      SELECT type, persona, session_id, day, sum(n) AS n, sum(n_ok) AS n_ok, sum(cost_usd) AS cost_usd, sum(value_ok) AS value_ok
      FROM (${rows}) AS u GROUP BY type, persona, session_id, day)
    SELECT 'totals' AS part, sum(n) AS events, count(DISTINCT session_id) AS sessions FROM d
    UNION ALL BY NAME SELECT 'persona' AS part, persona, sum(n) AS count, row_number() OVER (ORDER BY sum(n) DESC, persona ASC) AS ord
      FROM d WHERE type = ${message} GROUP BY persona
    UNION ALL BY NAME SELECT 'daily' AS part, epoch_ms(day) AS bucket, sum(n) AS count, row_number() OVER (ORDER BY day) AS ord FROM d GROUP BY day
    UNION ALL BY NAME SELECT 'llm' AS part, coalesce(sum(cost_usd), 0) AS cost_usd, sum(n) AS count FROM d WHERE type = ${llm}
    UNION ALL BY NAME SELECT 'revenue' AS part, coalesce(sum(value_ok), 0) AS revenue FROM d WHERE type = ${payment} AND n_ok > 0`;
  // Topics and affinities from user_topic_hour (which holds only messages and affinity interactions).
  const r = binder();
  const topicRows = tableRows(input, r, USER_TOPIC_HOUR, me);
  const [m, interaction, affinity] = [r.bind(MESSAGE), r.bind(INTERACTION), r.bind(AFFINITY)];
  const raw = `SELECT CASE WHEN grouping(topic) = 0 THEN 'topic' ELSE 'affinity' END AS part, type, name, topic, persona, sum(n) AS n,
      arg_max(value_last, value_last_ts) AS lv
    FROM (${topicRows}) AS u WHERE type = ${m} OR (type = ${interaction} AND name = ${affinity})
    GROUP BY GROUPING SETS ((type, topic), (type, name, persona))`;
  const [parts, facts] = await Promise.all([run(input, sql, b).then(byPart), run(input, raw, r)]);
  const one = (part: string): NamedRow => (parts.get(part)?.[0] ?? {}) as NamedRow;
  return {
    events: n(one('totals').events),
    sessions: n(one('totals').sessions),
    personas: (parts.get('persona') ?? []).map((x) => ({ persona: s(x.persona), count: n(x.count) })),
    daily: (parts.get('daily') ?? []).map((x) => ({ bucket: n(x.bucket), count: n(x.count) })),
    costUsd: n(one('llm').cost_usd),
    llmCalls: n(one('llm').count),
    revenueUsd: n(one('revenue').revenue),
    topics: facts.filter((x) => x.part === 'topic' && x.type === MESSAGE).map((x) => ({ topic: s(x.topic), count: n(x.n) })),
    affinity: facts.filter((x) => x.part === 'affinity' && x.type === INTERACTION && x.name === AFFINITY).map((x) => ({ persona: s(x.persona), last_value: nOrNull(x.lv) })),
  };
}
