import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { badRequest, HttpError } from '../http/errors.js';
import type { AppDeps } from '../http/types.js';
import type { WriteBuffer } from '../ingest/write-buffer.js';
import type { MetricsHub } from '../live/metrics-hub.js';
import type { TailHub } from '../live/tail-hub.js';
import type { BackgroundTasks } from '../tasks/background-tasks.js';
import { configView } from './config-view.js';
import type { OpsParts } from './parts.js';
import { MAX_PROFILE_SECONDS } from './profiler.js';

export interface OperatorDeps extends AppDeps {
  ops: OpsParts;
  tasks: BackgroundTasks;
  buffer: WriteBuffer;
  metricsHub: MetricsHub;
  tailHub: TailHub;
}

const MB = 1024 ** 2;
const mb = (b: number): number => Math.round((b / MB) * 10) / 10;
const admin = { config: { scope: 'admin' as const, everyProject: true as const } };
const profilingBody = z.object({
  duration: z.number({ error: 'must be a number of seconds' }).positive('must be > 0').max(MAX_PROFILE_SECONDS, `must be at most ${MAX_PROFILE_SECONDS}`),
}).strict();

/** Seed 001's debug endpoints and CONTRACT §9's operator endpoints; all admin only. */
export function registerOperatorRoutes(app: FastifyInstance, deps: OperatorDeps): void {
  app.get('/api/config', admin, async () => configView(deps.config));

  app.get('/api/background-tasks', admin, async () => ({ timestamp: now(deps), cluster: deps.tasks.leaderStatus(), tasks: deps.tasks.list() }));

  // Seed 001 names both: `/api/debug/analytics` (Debug Commands) and `/api/debug` ("Dashboard Debug Info").
  const debugRoute = async () => {
    const mem = process.memoryUsage();
    const duckdb = await duckdbMemory(deps).catch(() => null);
    const health = deps.ops.health.all();
    return {
      timestamp: now(deps),
      components: {
        store: { status: health.store?.status ?? 'unknown', dialect: deps.store.dialect, details: health.store?.details ?? null },
        write_buffer: { ...deps.buffer.stats(), max_queued_events: deps.config.ingest.maxQueuedEvents },
        health_checks: Object.fromEntries(Object.entries(health).map(([k, v]) => [k, v.status])),
        profiler: deps.ops.profiler.current(),
      },
      memory: {
        process: { rss_mb: mb(mem.rss), heap_used_mb: mb(mem.heapUsed), heap_total_mb: mb(mem.heapTotal), external_mb: mb(mem.external), array_buffers_mb: mb(mem.arrayBuffers) },
        // DuckDB's buffer manager by component (DuckDB's own accounting) and its limit now (`limit`, as DuckDB writes
        // it): PULSE_DUCKDB_MEMORY_LIMIT, or PULSE_DUCKDB_LOAD_MEMORY_LIMIT while events are loaded.
        duckdb: duckdb,
        duckdb_limit: deps.config.duckdbMemoryLimit,
        duckdb_load_limit: deps.config.duckdbLoadMemoryLimit,
      },
      websockets: { metrics: deps.metricsHub.stats(), events: deps.tailHub.stats() },
      background_tasks: deps.tasks.list(),
      recent_errors: deps.ops.errors.snapshot(),
    };
  };
  app.get('/api/debug/analytics', admin, debugRoute);
  app.get('/api/debug', admin, debugRoute);

  app.post('/api/profiling/enable', admin, async (request, reply) => {
    const parsed = profilingBody.safeParse(request.body ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw badRequest(issue.path.join('.') || 'duration', issue.path.length === 0 && issue.code === 'invalid_type' ? 'body must be {"duration": seconds}' : issue.message);
    }
    const status = await deps.ops.profiler.start(parsed.data.duration);
    return reply.code(202).send({ profiling: status, results: '/api/profiling/results' });
  });

  app.get('/api/profiling/results', admin, async (_request, reply) => {
    const done = deps.ops.profiler.result();
    const current = deps.ops.profiler.current();
    if (!done) {
      if (current.state === 'running') {
        const left = Math.max(1, Math.ceil((Date.parse(current.ends_at!) - deps.clock.now()) / 1000));
        throw new HttpError(409, 'profile_running', `the profile is still running until ${current.ends_at}`, { 'retry-after': String(left) });
      }
      throw new HttpError(404, 'not_found', 'no profile yet: POST /api/profiling/enable {"duration": seconds} first');
    }
    const name = `pulse-${done.status.started_at?.replace(/[:.]/g, '-') ?? 'profile'}.cpuprofile`;
    return reply
      .header('content-disposition', `attachment; filename="${name}"`)
      .header('x-profile-started-at', done.status.started_at ?? '')
      .type('application/json')
      .send(JSON.stringify(done.profile));
  });
}

const now = (deps: AppDeps): string => new Date(deps.clock.now()).toISOString();

async function duckdbMemory(deps: AppDeps): Promise<{ total_mb: number; by_component: Record<string, number>; limit: string } | null> {
  if (deps.store.dialect !== 'duckdb') return null;
  // Fixed statements with no value in them: DuckDB's own table function and setting, not event queries.
  const rows = await deps.store.query('SELECT tag, memory_usage_bytes AS bytes FROM duckdb_memory() WHERE memory_usage_bytes > 0 ORDER BY memory_usage_bytes DESC', []);
  const [limit] = await deps.store.query(`SELECT value AS limit_now FROM duckdb_settings() WHERE name = 'memory_limit'`, []);
  const byComponent = Object.fromEntries(rows.map((r) => [String(r.tag).toLowerCase(), mb(Number(r.bytes))]));
  return { total_mb: mb(rows.reduce((a, r) => a + Number(r.bytes), 0)), by_component: byComponent, limit: String(limit?.limit_now ?? '') };
}
