import type { ExportJob, ExportJobStore } from '../../export/types.js';
import { EXPORT_CONTENTS, EXPORT_STATUSES } from '../../export/types.js';
import { EXPORT_FORMATS, type Row } from '../types.js';
import type { DuckDbHandle } from './open.js';
import { OwnConnectionStore } from './own-connection.js';

const COLUMNS = 'id, project, export_type, format, status, spec, created_at, started_at, finished_at, rows, bytes, error';
const ms = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function oneOf<T extends string>(allowed: readonly T[], value: unknown, what: string): T {
  const found = allowed.find((a) => a === value);
  if (found === undefined) throw new Error(`export_jobs holds an unknown ${what}: ${String(value)}`);
  return found;
}

function toJob(row: Row): ExportJob {
  const spec = JSON.parse(String(row.spec)) as Pick<ExportJob, 'range' | 'filters'>;
  return {
    id: String(row.id),
    project: String(row.project),
    exportType: oneOf(EXPORT_FORMATS, row.export_type, 'export type'),
    format: oneOf(EXPORT_CONTENTS, row.format, 'format'),
    status: oneOf(EXPORT_STATUSES, row.status, 'status'),
    range: spec.range,
    filters: spec.filters,
    createdAt: Number(row.created_at),
    startedAt: ms(row.started_at),
    finishedAt: ms(row.finished_at),
    rows: ms(row.rows),
    bytes: ms(row.bytes),
    error: row.error === null ? null : String(row.error),
  };
}

/** Export jobs in the embedded file (table `export_jobs`, schema.ts), on a connection of their own. */
export class DuckDbExportJobStore extends OwnConnectionStore implements ExportJobStore {
  constructor(db: DuckDbHandle) {
    super(db, 'export job');
  }

  async insert(job: ExportJob): Promise<void> {
    await this.open().changed(
      `INSERT INTO export_jobs (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, epoch_ms(?::BIGINT), epoch_ms(?::BIGINT), epoch_ms(?::BIGINT), ?, ?, ?)`,
      [job.id, job.project, job.exportType, job.format, job.status, JSON.stringify({ range: job.range, filters: job.filters }),
        job.createdAt, job.startedAt, job.finishedAt, job.rows, job.bytes, job.error],
    );
  }

  async update(job: ExportJob): Promise<void> {
    await this.open().changed(
      `UPDATE export_jobs SET status = ?, started_at = epoch_ms(?::BIGINT), finished_at = epoch_ms(?::BIGINT),
       rows = ?, bytes = ?, error = ? WHERE id = ?`,
      [job.status, job.startedAt, job.finishedAt, job.rows, job.bytes, job.error, job.id],
    );
  }

  async get(id: string): Promise<ExportJob | null> {
    const [row] = await this.open().rows(`SELECT ${COLUMNS} FROM export_jobs WHERE id = ?`, [id]);
    return row === undefined ? null : toJob(row);
  }

  async list(project: string, limit: number): Promise<ExportJob[]> {
    const rows = await this.open().rows(
      `SELECT ${COLUMNS} FROM export_jobs WHERE project = ? ORDER BY created_at DESC, id DESC LIMIT ?`, [project, limit]);
    return rows.map(toJob);
  }

  async unfinished(): Promise<ExportJob[]> {
    const rows = await this.open().rows(
      `SELECT ${COLUMNS} FROM export_jobs WHERE status IN ('queued', 'running') ORDER BY created_at, id`, []);
    return rows.map(toJob);
  }

  async deleteCreatedBefore(beforeMs: number): Promise<ExportJob[]> {
    const rows = await this.open().rows(
      `DELETE FROM export_jobs WHERE created_at < epoch_ms(?::BIGINT) RETURNING ${COLUMNS}`, [beforeMs]);
    return rows.map(toJob);
  }
}
