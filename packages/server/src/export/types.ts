import type { Filter, TimeRange } from '../query/types.js';
import type { ExportFormat } from '../store/types.js';

export type ExportStatus = 'queued' | 'running' | 'done' | 'failed';
export const EXPORT_STATUSES: readonly ExportStatus[] = ['queued', 'running', 'done', 'failed'];

/** `full`: one row per raw event; `summary`: hourly aggregates per type, model and persona (seed 004's `format`). */
export type ExportContent = 'full' | 'summary';
export const EXPORT_CONTENTS: readonly ExportContent[] = ['full', 'summary'];

export interface ExportJob {
  id: string;
  project: string;
  exportType: ExportFormat;
  format: ExportContent;
  status: ExportStatus;
  range: TimeRange;
  filters: Filter[];
  /** Epoch ms. */
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  rows: number | null;
  bytes: number | null;
  error: string | null;
}

/** Where export jobs are kept (the meta store's side): the embedded DuckDB file now, PostgreSQL with scale-out. */
export interface ExportJobStore {
  insert(job: ExportJob): Promise<void>;
  update(job: ExportJob): Promise<void>;
  get(id: string): Promise<ExportJob | null>;
  /** Newest first. */
  list(project: string, limit: number): Promise<ExportJob[]>;
  /** Jobs a restart interrupted (queued or running), oldest first. */
  unfinished(): Promise<ExportJob[]>;
  /**
   * With several instances (PostgreSQL): the unfinished jobs no live instance runs — this one's own from before a
   * restart, and those of instances that died — oldest first. Without it, `unfinished` is what is resumed.
   */
  abandoned?(): Promise<ExportJob[]>;
  /** Removes jobs created before `beforeMs` and returns them (their files are deleted by the caller). */
  deleteCreatedBefore(beforeMs: number): Promise<ExportJob[]>;
}
