import { useState } from 'preact/hooks';
import { Loading, Panel } from '../../components/panel';
import { DataTable } from '../../components/data-table';
import { usePanelData } from '../../components/use-panel-data';
import { fmtDateTime } from '../../lib/format';
import { loadRules, loadSilences, send, type Silence } from './alerts-api';

/** Silences not yet expired, with their matchers; admin keys can expire them. */
export function SilenceList({ version, project, onChange }: { version: number; project: string | null; onChange: () => void }) {
  const p = usePanelData(async (ctx) => {
    const [s, rules] = await Promise.all([loadSilences(ctx), loadRules(ctx)]);
    return { silences: s.silences.filter((x) => x.status.state !== 'expired'), canWrite: rules.can_write };
  }, [version]);
  const [error, setError] = useState<string | null>(null);
  const d = p.data;
  return (
    <Panel id="silences" title="Silences" wide data={p} source="/v1/silences">
      {error ? <p class="form-error" role="alert">{error}</p> : null}
      {!d ? <Loading /> : d.silences.length === 0 ? (
        <p class="empty" data-testid="empty">No active silence.</p>
      ) : (
        <DataTable<Silence>
          testid="silences-table"
          stack
          rows={d.silences}
          rowKey={(s) => s.id}
          columns={[
            { key: 'matchers', label: 'Matches', render: (s) => <code>{s.matchers.map((m) => `${m.name}${m.op}"${m.value}"`).join(', ')}</code> },
            { key: 'until', label: 'Until', render: (s) => fmtDateTime(Date.parse(s.ends_at)) },
            { key: 'comment', label: 'Comment', render: (s) => s.comment ?? '' },
            {
              key: 'actions', label: '', render: (s) => !d.canWrite ? null : (
                <button type="button" class="ghost" data-testid="expire" onClick={() => {
                  setError(null);
                  send('DELETE', `v1/silences/${encodeURIComponent(s.id)}`, project).then(onChange, (e: unknown) => {
                    setError(e instanceof Error ? e.message : String(e));
                    onChange();
                  });
                }}>Expire</button>
              ),
            },
          ]}
        />
      )}
    </Panel>
  );
}
