import type { ExportJob, ExportJobStore } from '../../export/types.js';
import { EXPORT_CONTENTS, EXPORT_STATUSES } from '../../export/types.js';
import { EXPORT_FORMATS } from '../types.js';
import { clean, msColumn, num, numOrNull, PgStore, strOrNull, tsParam, type PgDb, type PgRow } from './connection.js';

/** The writing instance (PULSE_INSTANCE_ID, set on every Pulse connection as `pulse.instance`), null for anyone else. */
const SELF = "NULLIF(current_setting('pulse.instance', true), '')";

const COLUMNS = `id, project, export_type, format, status, spec, ${msColumn('created_at')}, ${msColumn('started_at')},
  ${msColumn('finished_at')}, rows, bytes, error`;

function oneOf<T extends string>(allowed: readonly T[], value: unknown, what: string): T {
  const found = allowed.find((a) => a === value);
  if (found === undefined) throw new Error(`export_jobs holds an unknown ${what}: ${String(value)}`);
  return found;
}

function toJob(row: PgRow): ExportJob {
  const spec = JSON.parse(String(row.spec)) as Pick<ExportJob, 'range' | 'filters'>;
  return {
    id: String(row.id), project: String(row.project),
    exportType: oneOf(EXPORT_FORMATS, row.export_type, 'export type'),
    format: oneOf(EXPORT_CONTENTS, row.format, 'format'),
    status: oneOf(EXPORT_STATUSES, row.status, 'status'),
    range: spec.range, filters: spec.filters,
    createdAt: num(row.created_at), startedAt: numOrNull(row.started_at), finishedAt: numOrNull(row.finished_at),
    rows: numOrNull(row.rows), bytes: numOrNull(row.bytes), error: strOrNull(row.error),
  };
}

/** Export jobs in PostgreSQL (table `export_jobs`); the files themselves stay on the instance that wrote them. */
export class PostgresExportJobStore extends PgStore implements ExportJobStore {
  constructor(db: PgDb) {
    super(db, 'export job');
  }

  async insert(job: ExportJob): Promise<void> {
    await this.db().changed(
      `INSERT INTO export_jobs (id, project, export_type, format, status, spec, created_at, started_at, finished_at, rows, bytes, error, instance)
       VALUES ($1, $2, $3, $4, $5, $6, ${tsParam('$7')}, ${tsParam('$8')}, ${tsParam('$9')}, $10, $11, $12, ${SELF})`,
      [job.id, job.project, job.exportType, job.format, job.status, JSON.stringify({ range: job.range, filters: job.filters }),
        job.createdAt, job.startedAt, job.finishedAt, job.rows, job.bytes, clean(job.error)],
    );
  }

  async update(job: ExportJob): Promise<void> {
    await this.db().changed(
      `UPDATE export_jobs SET status = $1, started_at = ${tsParam('$2')}, finished_at = ${tsParam('$3')}, rows = $4, bytes = $5,
       error = $6, instance = COALESCE(${SELF}, instance) WHERE id = $7`,
      [job.status, job.startedAt, job.finishedAt, job.rows, job.bytes, clean(job.error), job.id],
    );
  }

  async get(id: string): Promise<ExportJob | null> {
    const [row] = await this.db().rows(`SELECT ${COLUMNS} FROM export_jobs WHERE id = $1`, [id]);
    return row === undefined ? null : toJob(row);
  }

  async list(project: string, limit: number): Promise<ExportJob[]> {
    const rows = await this.db().rows(
      `SELECT ${COLUMNS} FROM export_jobs WHERE project = $1 ORDER BY export_jobs.created_at DESC, id COLLATE "C" DESC LIMIT $2`,
      [project, limit],
    );
    return rows.map(toJob);
  }

  async unfinished(): Promise<ExportJob[]> {
    const rows = await this.db().rows(
      `SELECT ${COLUMNS} FROM export_jobs WHERE status IN ('queued', 'running') ORDER BY export_jobs.created_at, id COLLATE "C"`,
    );
    return rows.map(toJob);
  }

  /**
   * Unfinished jobs nobody alive runs: this instance's own (left by its previous run), those written without an
   * instance, and those of an instance that has no leader-election session (`pulse-leader:<id>`) open any more.
   */
  async abandoned(): Promise<ExportJob[]> {
    const rows = await this.db().rows(
      `SELECT ${COLUMNS} FROM export_jobs j WHERE status IN ('queued', 'running')
         AND (j.instance IS NULL OR j.instance = ${SELF}
           OR NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.application_name = 'pulse-leader:' || j.instance))
       ORDER BY j.created_at, id COLLATE "C"`,
    );
    return rows.map(toJob);
  }

  async deleteCreatedBefore(beforeMs: number): Promise<ExportJob[]> {
    const rows = await this.db().rows(`DELETE FROM export_jobs WHERE created_at < ${tsParam('$1')} RETURNING ${COLUMNS}`, [beforeMs]);
    return rows.map(toJob);
  }
}
