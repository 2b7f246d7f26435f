import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { safeNotifyEntry } from '../alerts/delivery/routing.js';
import { listLimit, parseListQuery } from '../http/list-query.js';
import { rfc3339 } from '../query/time.js';
import type { ReportRun, ReportRunStore } from './runner.js';
import { nextSendTime, type ReportSpec } from './schedule.js';

export interface ReportRouteDeps {
  /** The configured reports (`reports:` of the YAML file). */
  specs: readonly ReportSpec[];
  runs: ReportRunStore;
  clock: Clock;
}

const listQuery = z.object({ limit: listLimit, api_key: z.string().optional() }).strict();

/**
 * A configured report as the API shows it. A webhook URL in `notify` carries its receiver's secret (Slack and Discord
 * put the token in the path), so it is shown as its channel is known everywhere else: type, host and a hash.
 */
export function reportJson(spec: ReportSpec, nowMs: number): Record<string, unknown> {
  const next = nextSendTime(spec, nowMs);
  return {
    name: spec.name,
    schedule: spec.schedule,
    at: spec.at,
    timezone: spec.timezone,
    day: spec.schedule === 'weekly' ? spec.day : null,
    project: spec.project,
    notify: spec.notify.map(safeNotifyEntry),
    next_send_at: next === null ? null : rfc3339(next),
  };
}

export function runJson(run: ReportRun): Record<string, unknown> {
  return {
    name: run.name,
    period_start: rfc3339(run.periodStartMs),
    period_end: rfc3339(run.periodEndMs),
    status: run.status,
    claimed_at: rfc3339(run.claimedAt),
    finished_at: run.finishedAt === null ? null : rfc3339(run.finishedAt),
    detail: run.detail,
  };
}

/**
 * `GET /api/reports` (admin): the configured scheduled reports and the periods claimed for them, newest first — whether
 * a report went out, when, and which channels failed (the runs' `detail`; URL channels appear by host and a hash).
 */
export function registerReportRoutes(app: FastifyInstance, deps: ReportRouteDeps): void {
  app.get('/api/reports', { config: { scope: 'admin', everyProject: true } }, async (request) => {
    const { limit } = parseListQuery(listQuery, request.query);
    const now = deps.clock.now();
    const runs = await deps.runs.list(limit ?? 100);
    return { timestamp: rfc3339(now), reports: deps.specs.map((s) => reportJson(s, now)), runs: runs.map(runJson) };
  });
}
