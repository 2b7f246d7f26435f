import { useState } from 'preact/hooks';
import { postEmpty } from '../../api/client';
import { commonParams } from '../../api/query';
import { Panel } from '../../components/panel';
import { resolveRange } from '../../components/use-panel-data';
import { fmtDateTime } from '../../lib/format';
import { useStore } from '../../state/store';
import { activeFilterCount, FILTER_FIELDS } from '../../state/view';
import { viewStore } from '../../state/view-store';
import { CONTENT_LABELS, type ExportJob, TYPE_LABELS } from './export-types';


/** Creates an export of the view's range and filters (`POST /v1/analytics/exports`); the list below shows its progress. */
export function NewExport({ onCreated }: { onCreated: (job: ExportJob) => void }) {
  const view = useStore(viewStore);
  const [type, setType] = useState<ExportJob['export_type']>('csv');
  const [content, setContent] = useState<ExportJob['format']>('full');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const range = resolveRange(view, Date.now());
  const filters = FILTER_FIELDS.flatMap((f) => view.filters[f].map((v) => `${f}=${v}`));

  const create = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    const now = resolveRange(viewStore.get(), Date.now());
    const q = commonParams({ ...now, filters: viewStore.get().filters, project: viewStore.get().project, signal: new AbortController().signal, record: () => {} });
    q.set('export_type', type);
    q.set('format', content);
    try {
      onCreated(await postEmpty<ExportJob>('v1/analytics/exports', q));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Panel id="new-export" title="New export" wide source="POST /v1/analytics/exports with the range and filters above; the file is made in the background.">
      <div class="export-form">
        <Choice label="Format" testid="export-type" labels={TYPE_LABELS} value={type} onChange={setType} />
        <Choice label="Content" testid="export-content" labels={CONTENT_LABELS} value={content} onChange={setContent} />
        <p class="export-scope" data-testid="export-scope">
          {fmtDateTime(range.startMs)} → {fmtDateTime(range.endMs)}
          {activeFilterCount(view.filters) > 0 ? <> · {filters.join(', ')}</> : <> · all events</>}
        </p>
        <button type="button" class="primary" disabled={busy} data-testid="export-create" onClick={() => void create()}>
          {busy ? 'Creating…' : 'Create export'}
        </button>
      </div>
      {error ? <p class="panel-error" role="alert" data-testid="export-error">Could not create the export: {error}</p> : null}
    </Panel>
  );
}

/** One labelled segmented choice: a button per option, the chosen one pressed. */
function Choice<T extends string>({ label, testid, labels, value, onChange }: { label: string; testid: string; labels: Record<T, string>; value: T; onChange: (v: T) => void }) {
  return (
    <div class="export-choice">
      <span class="export-label">{label}</span>
      <div class="seg" role="group" aria-label={label}>
        {(Object.keys(labels) as T[]).map((k) => (
          <button key={k} type="button" aria-pressed={value === k} data-testid={`${testid}-${k}`} onClick={() => onChange(k)}>
            {labels[k]}
          </button>
        ))}
      </div>
    </div>
  );
}
