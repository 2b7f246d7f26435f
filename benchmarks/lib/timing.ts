import type http from 'node:http';
import type pg from 'pg';
import type { PgStatement } from '../postgres/queries.js';
import { runStatements } from '../postgres/service.js';
import { getOk } from './http.js';

/** How many times to run each query: warm-ups are not counted. */
export interface RepeatPlan {
  warmups: number;
  reps: number;
}

/**
 * Times one Pulse GET (what a dashboard sees: HTTP round trip, JSON included). `serverMs` holds the server's own
 * figure for each timed run when the answer carries one (`meta.elapsed_ms`: from the query's start to its rows), so a
 * log can tell time spent in the server's query from time spent around it (HTTP, the event loops, the host).
 */
export async function timePulse(agent: http.Agent, url: URL, plan: RepeatPlan): Promise<{ ms: number[]; serverMs: number[]; body: string }> {
  let body = '';
  for (let i = 0; i < plan.warmups; i++) body = (await getOk(agent, url)).body;
  const ms: number[] = [];
  const serverMs: number[] = [];
  for (let i = 0; i < plan.reps; i++) {
    const res = await getOk(agent, url);
    ms.push(res.ms);
    body = res.body;
    const own = serverElapsedMs(body);
    if (own !== null) serverMs.push(own);
  }
  return { ms, serverMs, body };
}

/** `meta.elapsed_ms` of a JSON answer, or null when it has none. */
export function serverElapsedMs(body: string): number | null {
  if (!body.includes('"elapsed_ms"')) return null;
  try {
    const v = (JSON.parse(body) as { meta?: { elapsed_ms?: unknown } }).meta?.elapsed_ms;
    return typeof v === 'number' ? v : null;
  } catch {
    return null;
  }
}

/**
 * PostgreSQL repetitions adapt to the query's speed so the 10M run stays within its time budget:
 * after one warm-up, `fast` runs when it took under 0.5 s, `medium` under 5 s, else `slow`.
 */
export interface PgRepeatPolicy {
  fast: number;
  medium: number;
  slow: number;
}

export function pgReps(warmupMs: number, policy: PgRepeatPolicy): number {
  if (warmupMs < 500) return policy.fast;
  if (warmupMs < 5_000) return policy.medium;
  return policy.slow;
}

export async function timePostgres(client: pg.Client, statements: readonly PgStatement[], policy: PgRepeatPolicy): Promise<number[]> {
  const warm = await runStatements(client, statements);
  const reps = pgReps(warm, policy);
  const ms: number[] = [];
  for (let i = 0; i < reps; i++) ms.push(await runStatements(client, statements));
  return ms;
}
