import type pg from 'pg';
import type { PgStatement } from './postgres/queries.js';
import type { QueryCase } from './query-cases.js';

/**
 * A correctness guard on the comparison: for the grouped count queries, Pulse's answer and the
 * PostgreSQL equivalent's (or another Pulse's, on another event store) must be the same rows. A timing
 * of a query that answers differently would compare nothing.
 */
export interface CrossCheck {
  id: string;
  agree: boolean;
  detail: string;
}

const CHECKED: Record<string, string> = { top_users: 'user_id', errors_by_type: 'error_type' };

type Pair = [string, number];

function pulsePairs(body: string, key: string): Pair[] {
  const parsed = JSON.parse(body) as { data?: Array<Record<string, unknown>> };
  return (parsed.data ?? []).map((r) => [String(r[key] ?? 'null'), Number(r.count)]);
}

export function comparePairs(a: readonly Pair[], b: readonly Pair[]): string | null {
  if (a.length !== b.length) return `${a.length} rows vs ${b.length}`;
  for (let i = 0; i < a.length; i++) {
    const [ka, va] = a[i]!;
    const [kb, vb] = b[i]!;
    if (ka !== kb || va !== vb) return `row ${i}: ${ka}=${va} vs ${kb}=${vb}`;
  }
  return null;
}

export async function crossCheck(c: QueryCase, pulseBody: string, client: pg.Client, statements: readonly PgStatement[]): Promise<CrossCheck | null> {
  const key = CHECKED[c.pg];
  const stmt = statements[0];
  if (key === undefined || stmt === undefined) return null;
  const res = await client.query<Record<string, unknown>>(stmt.sql, stmt.params);
  const pgPairs: Pair[] = res.rows.map((r) => [String(r[key] ?? 'null'), Number(r.events)]);
  const diff = comparePairs(pulsePairs(pulseBody, key), pgPairs);
  return { id: c.id, agree: diff === null, detail: diff ?? `${pgPairs.length} identical rows` };
}

/** The same guard between two Pulse servers (two event stores on the same rows): their grouped counts must agree. */
export function crossCheckPulse(c: QueryCase, bodyA: string, bodyB: string): CrossCheck | null {
  const key = CHECKED[c.pg];
  if (key === undefined) return null;
  const a = pulsePairs(bodyA, key);
  const diff = comparePairs(a, pulsePairs(bodyB, key));
  return { id: c.id, agree: diff === null, detail: diff ?? `${a.length} identical rows` };
}
