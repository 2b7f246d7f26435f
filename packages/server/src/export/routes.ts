import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { badRequest, HttpError } from '../http/errors.js';
import { listLimit, parseListQuery } from '../http/list-query.js';
import type { AppDeps } from '../http/types.js';
import { parseEnumControl, parseReadParams } from '../query/params.js';
import { rfc3339 } from '../query/time.js';
import { InvalidQueryError } from '../query/types.js';
import { CONTENT_TYPES, downloadName } from './files.js';
import type { ExportJobs } from './jobs.js';
import { ExportDiskSpaceError, ExportLimitError } from './limits.js';
import type { ExportJob } from './types.js';
import { projectOf } from '../query/route-support.js';

/** The job as the API shows it (seed 004's export status), with where to download it once done. */
export function jobJson(job: ExportJob): Record<string, unknown> {
  const filters: Record<string, string[]> = {};
  for (const f of job.filters) filters[f.field] = [...f.values];
  return {
    id: job.id,
    status: job.status,
    export_type: job.exportType,
    format: job.format,
    project: job.project,
    start_date: rfc3339(job.range.startMs),
    end_date: rfc3339(job.range.endMs),
    filters,
    created_at: rfc3339(job.createdAt),
    started_at: job.startedAt === null ? null : rfc3339(job.startedAt),
    finished_at: job.finishedAt === null ? null : rfc3339(job.finishedAt),
    rows: job.rows,
    bytes: job.bytes,
    error: job.error,
    // A done job with an error had its file removed (PULSE_EXPORT_MAX_STORAGE_MB): nothing to download.
    download_url: job.status === 'done' && job.error === null ? `/v1/analytics/exports/${job.id}/download` : null,
  };
}

const idParam = z.object({ id: z.uuid() });
const listQuery = z.object({ limit: listLimit, project: z.string().optional(), api_key: z.string().optional() });

/** `POST|GET /v1/analytics/exports`, `GET /v1/analytics/exports/{id}[/download]` (seed 004; `read` scope, own project). */
export function registerExportRoutes(app: FastifyInstance, deps: AppDeps & { exports: ExportJobs }): void {
  const read = { config: { scope: 'read' as const } };

  app.post('/v1/analytics/exports', read, async (request, reply) => {
    let job: ExportJob;
    try {
      const { range, filters, controls } = parseReadParams(request.query, deps.clock.now(), { export_type: 'single', format: 'single' });
      const exportType = parseEnumControl('export_type', controls.export_type, ['csv', 'json', 'parquet']) ?? 'csv';
      const format = parseEnumControl('format', controls.format, ['full', 'summary']) ?? 'full';
      job = await deps.exports.create({ project: projectOf(request), exportType, format, range, filters });
    } catch (err) {
      if (err instanceof InvalidQueryError) throw badRequest(err.param, err.reason);
      if (err instanceof ExportLimitError) throw new HttpError(429, 'too_many_exports', err.message, { 'retry-after': String(err.retryAfterSeconds) });
      if (err instanceof ExportDiskSpaceError) throw new HttpError(503, 'insufficient_storage', err.message, { 'retry-after': String(err.retryAfterSeconds) });
      throw err;
    }
    return reply.code(202).send(jobJson(job));
  });

  app.get('/v1/analytics/exports', read, async (request) => {
    const { limit } = parseListQuery(listQuery, request.query);
    const jobs = await deps.exports.list(projectOf(request), limit ?? 100);
    return { exports: jobs.map(jobJson) };
  });

  app.get('/v1/analytics/exports/:id', read, async (request) => jobJson(await findJob(request, deps.exports)));

  app.get('/v1/analytics/exports/:id/download', read, async (request, reply) => {
    const job = await findJob(request, deps.exports);
    if (job.status !== 'done') {
      throw new HttpError(409, 'export_not_ready', `export ${job.id} is ${job.status}${job.error ? `: ${job.error}` : ''}`);
    }
    const path = deps.exports.path(job);
    const size = await stat(path).then((s) => s.size, () => null);
    if (size === null) throw new HttpError(410, 'export_gone', `the file of export ${job.id} is no longer there${job.error ? `: ${job.error}` : ''}`);
    return reply
      .header('content-type', CONTENT_TYPES[job.exportType])
      .header('content-disposition', `attachment; filename="${downloadName(job)}"`)
      .header('content-length', String(size))
      .send(createReadStream(path));
  });
}

async function findJob(request: FastifyRequest, exports: ExportJobs): Promise<ExportJob> {
  const parsed = idParam.safeParse(request.params);
  if (!parsed.success) throw badRequest('id', 'is not an export id');
  const job = await exports.get(projectOf(request), parsed.data.id);
  if (job === null) throw new HttpError(404, 'not_found', `no export ${parsed.data.id}`);
  return job;
}
