import { join } from 'node:path';
import type { ExportFormat } from '../store/types.js';
import type { ExportJob } from './types.js';

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/x-ndjson; charset=utf-8',
  parquet: 'application/vnd.apache.parquet',
};

const EXTENSIONS: Record<ExportFormat, string> = { csv: 'csv', json: 'jsonl', parquet: 'parquet' };

/** Where a job's file lives: `<dataDir>/exports/<id>.<ext>` (ids are generated UUIDs, never user text). */
export function exportPath(dir: string, job: Pick<ExportJob, 'id' | 'exportType'>): string {
  return join(dir, `${job.id}.${EXTENSIONS[job.exportType]}`);
}

const FILE_NAME = new RegExp(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\.(${Object.values(EXTENSIONS).join('|')})$`);

/** Whether `name` is what exportPath names a job's file. */
export function isExportFileName(name: string): boolean {
  return FILE_NAME.test(name);
}

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * The name a download is saved under: project, content, and the first and last day the range covers (UTC), e.g.
 * `pulse-default-full-2026-11-01-2026-11-30.csv` for November. The range's end is exclusive: a range ending at midnight
 * (a date-only `end_date` covers its whole day) ends on the day before.
 */
export function downloadName(job: Pick<ExportJob, 'project' | 'format' | 'exportType' | 'range'>): string {
  const project = job.project.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 64);
  const { startMs, endMs } = job.range;
  return `pulse-${project}-${job.format}-${day(startMs)}-${day(Math.max(startMs, endMs - 1))}.${EXTENSIONS[job.exportType]}`;
}
