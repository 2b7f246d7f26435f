import { keyedUrl } from '../../api/client';
import { DataTable } from '../../components/data-table';
import { Body, Panel } from '../../components/panel';
import type { PanelData } from '../../components/use-panel-data';
import { fmtBytes, fmtDateTime, fmtInt } from '../../lib/format';
import { useStore } from '../../state/store';
import { viewStore } from '../../state/view-store';
import { CONTENT_LABELS, type ExportJob, TYPE_LABELS } from './export-types';

const STATUS_TEXT: Record<ExportJob['status'], string> = { queued: 'Queued', running: 'Running…', done: 'Done', failed: 'Failed' };

function Filters({ job }: { job: ExportJob }) {
  const parts = Object.entries(job.filters).map(([k, v]) => `${k}=${v.join('|')}`);
  return parts.length ? <span title={parts.join(', ')}>{parts.join(', ')}</span> : <span class="muted">all events</span>;
}

/** `GET /v1/analytics/exports`: every job of the project with its state, size and download. */
export function ExportList({ data }: { data: PanelData<{ exports: ExportJob[] }> }) {
  const view = useStore(viewStore);
  const project = view.project ? new URLSearchParams({ project: view.project }) : undefined;
  return (
    <Panel id="exports" title="Exports" wide data={data} source="GET /v1/analytics/exports — files are kept for PULSE_EXPORT_RETENTION_DAYS (default 7).">
      <Body data={data.data} empty={(d) => d.exports.length === 0}>
        {(d) => (
          <DataTable<ExportJob>
            testid="exports-table"
            rows={d.exports}
            rowKey={(j) => j.id}
            columns={[
              { key: 'created', label: 'Created', render: (j) => fmtDateTime(Date.parse(j.created_at)) },
              { key: 'what', label: 'Export', render: (j) => `${TYPE_LABELS[j.export_type]} · ${CONTENT_LABELS[j.format]}` },
              { key: 'range', label: 'Range', render: (j) => `${fmtDateTime(Date.parse(j.start_date))} → ${fmtDateTime(Date.parse(j.end_date))}` },
              { key: 'filters', label: 'Filters', render: (j) => <Filters job={j} /> },
              {
                key: 'status', label: 'Status',
                render: (j) => (
                  <span class={`export-status export-${j.status}`} data-status={j.status} title={j.error ?? undefined}>
                    {STATUS_TEXT[j.status]}
                    {j.error ? `: ${j.error}` : ''}
                  </span>
                ),
              },
              { key: 'rows', label: 'Rows', numeric: true, render: (j) => (j.rows === null ? '—' : fmtInt(j.rows)) },
              { key: 'size', label: 'Size', numeric: true, render: (j) => (j.bytes === null ? '—' : fmtBytes(j.bytes)) },
              {
                key: 'download', label: '',
                render: (j) => (j.download_url ? <a href={keyedUrl(j.download_url.replace(/^\//, ''), project)} download data-testid="export-download">Download</a> : null),
              },
            ]}
          />
        )}
      </Body>
    </Panel>
  );
}
