import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { safeNotifyEntry } from '../alerts/delivery/routing.js';
import { badRequest } from '../http/errors.js';
import { rfc3339 } from '../query/time.js';
import type { ReportRun, ReportRunStore } from './runner.js';
import { nextSendTime, type ReportSpec } from './schedule.js';

export interface ReportRouteDeps {
  /** The configured reports (`reports:` of the YAML file). */
  specs: readonly ReportSpec[];
  runs: ReportRunStore;
  clock: Clock;
}

const listQuery = z.object({
  limit: z.coerce.number({ error: 'must be a whole number from 1 to 1000' }).int('must be a whole number from 1 to 1000')
    .min(1, 'must be a whole number from 1 to 1000').max(1000, 'must be a whole number from 1 to 1000').optional(),
  api_key: z.string().optional(),
}).strict();

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
  app.get('/api/reports', { config: { scope: 'admin' } }, async (request) => {
    const parsed = listQuery.safeParse(request.query);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.code === 'unrecognized_keys' ? issue.keys[0] : issue?.path[0];
      throw badRequest(String(field ?? 'query'), issue?.code === 'unrecognized_keys' ? 'is not a parameter of this endpoint' : issue?.message ?? 'is invalid');
    }
    const now = deps.clock.now();
    const runs = await deps.runs.list(parsed.data.limit ?? 100);
    return { timestamp: rfc3339(now), reports: deps.specs.map((s) => reportJson(s, now)), runs: runs.map(runJson) };
  });
}
