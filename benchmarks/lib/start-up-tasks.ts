import type http from 'node:http';
import { getOk } from './http.js';

/** What the query benches read of `GET /api/background-tasks` (the server's own registry of its tasks). */
export interface TaskState {
  name: string;
  running: boolean;
  runs: number;
  lastStartedAt: string | null;
  lastDurationMs: number | null;
}

export async function taskStates(agent: http.Agent, base: URL): Promise<TaskState[]> {
  const body = JSON.parse((await getOk(agent, new URL('/api/background-tasks', base))).body) as { tasks: TaskState[] };
  return body.tasks;
}

/**
 * Waits until every background task of a freshly started server has run once and none is running: the catch-ups of
 * the rollups, the first retention and export-cleanup runs (60 and 90 s after start) and the first alert rounds
 * (120 s). A query timed while one of these one-off start-up runs takes the CPU measures the start-up, not the query;
 * the runs that still land in a case later are named in the bench's log (`startedSince`).
 */
export async function waitForStartUpTasks(agent: http.Agent, base: URL, timeoutMs = 240_000): Promise<{ waitedMs: number; tasks: TaskState[] }> {
  const started = performance.now();
  for (;;) {
    const tasks = await taskStates(agent, base);
    if (tasks.every((t) => t.runs > 0 && !t.running)) return { waitedMs: performance.now() - started, tasks };
    if (performance.now() - started > timeoutMs) {
      const pending = tasks.filter((t) => t.runs === 0 || t.running).map((t) => t.name);
      throw new Error(`background tasks still pending ${Math.round(timeoutMs / 1000)} s after the start: ${pending.join(', ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/**
 * Task runs started at or after `sinceMs` (epoch ms) that are still running or took at least `minMs` (the frequent
 * short ones — a rollup run of a quiet store, a health probe — left out), as `name (duration)` for a log line.
 */
export function startedSince(tasks: readonly TaskState[], sinceMs: number, minMs = 50): string[] {
  return tasks
    .filter((t) => t.lastStartedAt !== null && Date.parse(t.lastStartedAt) >= sinceMs && (t.running || (t.lastDurationMs ?? 0) >= minMs))
    .map((t) => `${t.name} (${t.running ? 'running' : `${t.lastDurationMs ?? '?'} ms`})`);
}
