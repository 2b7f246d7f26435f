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

const TYPES = Object.keys(TYPE_LABELS) as ExportJob['export_type'][];
const CONTENTS = Object.keys(CONTENT_LABELS) as ExportJob['format'][];

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
        <div class="export-choice">
          <span class="export-label">Format</span>
          <div class="seg" role="group" aria-label="File format">
            {TYPES.map((t) => (
              <button key={t} type="button" aria-pressed={type === t} data-testid={`export-type-${t}`} onClick={() => setType(t)}>
                {TYPE_LABELS[t]}
              </button>
            ))}
          </div>
        </div>
        <div class="export-choice">
          <span class="export-label">Content</span>
          <div class="seg" role="group" aria-label="Content">
            {CONTENTS.map((c) => (
              <button key={c} type="button" aria-pressed={content === c} data-testid={`export-content-${c}`} onClick={() => setContent(c)}>
                {CONTENT_LABELS[c]}
              </button>
            ))}
          </div>
        </div>
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
