/** `/v1/analytics/exports` job, as the server's export/routes.ts `jobJson` answers it. */
export interface ExportJob {
  id: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  export_type: 'csv' | 'json' | 'parquet';
  format: 'full' | 'summary';
  project: string;
  start_date: string;
  end_date: string;
  filters: Record<string, string[]>;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  rows: number | null;
  bytes: number | null;
  error: string | null;
  download_url: string | null;
}

export const TYPE_LABELS: Record<ExportJob['export_type'], string> = { csv: 'CSV', json: 'JSON lines', parquet: 'Parquet' };
export const CONTENT_LABELS: Record<ExportJob['format'], string> = { full: 'Raw events', summary: 'Daily summary' };
