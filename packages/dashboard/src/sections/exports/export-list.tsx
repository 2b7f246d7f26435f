import { Fragment } from 'preact';
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
  if (parts.length === 0) return <span class="muted">all events</span>;
  // One piece per filter: a long list wraps between filters, never inside one.
  return (
    <span title={parts.join(', ')}>
      {parts.map((p, i) => (
        <Fragment key={p}>
          {i > 0 ? ', ' : ''}
          <span class="nowrap">{p}</span>
        </Fragment>
      ))}
    </span>
  );
}

/** `GET /v1/analytics/exports`: every job of the project with its state, size and download. */
export function ExportList({ data }: { data: PanelData<{ exports: ExportJob[] }> }) {
  const view = useStore(viewStore);
  const project = view.project ? new URLSearchParams({ project: view.project }) : undefined;
  return (
    <Panel id="exports" title="Exports" wide data={data} source="GET /v1/analytics/exports — files are kept for PULSE_EXPORT_RETENTION_DAYS (default 7).">
      <Body data={data.data} empty={(d) => d.exports.length === 0} emptyText="No exports yet: create one above.">
        {(d) => (
          <DataTable<ExportJob>
            testid="exports-table"
            stack
            rows={d.exports}
            rowKey={(j) => j.id}
            columns={[
              { key: 'created', label: 'Created', render: (j) => fmtDateTime(Date.parse(j.created_at)) },
              { key: 'what', label: 'Export', render: (j) => `${TYPE_LABELS[j.export_type]} · ${CONTENT_LABELS[j.format]}` },
              {
                key: 'range', label: 'Range', wrap: true,
                render: (j) => (
                  <>
                    <span class="nowrap">{fmtDateTime(Date.parse(j.start_date))} →</span> <span class="nowrap">{fmtDateTime(Date.parse(j.end_date))}</span>
                  </>
                ),
              },
              { key: 'filters', label: 'Filters', wrap: true, render: (j) => <Filters job={j} /> },
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
