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

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** The name a download is saved under: project, content, range, e.g. `pulse-default-full-2026-11-01-2026-12-01.csv`. */
export function downloadName(job: ExportJob): string {
  const project = job.project.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 64);
  return `pulse-${project}-${job.format}-${day(job.range.startMs)}-${day(job.range.endMs)}.${EXTENSIONS[job.exportType]}`;
}
