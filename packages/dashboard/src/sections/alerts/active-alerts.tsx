import { useState } from 'preact/hooks';
import { Loading, Panel } from '../../components/panel';
import { DataTable } from '../../components/data-table';
import { usePanelData } from '../../components/use-panel-data';
import { fmtDateTime } from '../../lib/format';
import { loadAlerts, loadRules, matchersFor, send, type Alert } from './alerts-api';
import { SeverityBadge, StateWord } from './severity';

const SEV_ORDER = ['critical', 'high', 'medium', 'low', 'info'];

/** Firing, acknowledged and pending alerts, most severe first; acknowledge and silence for admin keys. */
export function ActiveAlerts({ version, project, onChange }: { version: number; project: string | null; onChange: () => void }) {
  const p = usePanelData(async (ctx) => {
    const [firing, acked, pending, rules] = await Promise.all([
      loadAlerts(ctx, { state: 'firing', limit: '200' }),
      loadAlerts(ctx, { state: 'acknowledged', limit: '200' }),
      loadAlerts(ctx, { state: 'pending', limit: '200' }),
      loadRules(ctx),
    ]);
    const alerts = [...firing.alerts, ...acked.alerts, ...pending.alerts]
      .sort((a, b) => SEV_ORDER.indexOf(a.severity) - SEV_ORDER.indexOf(b.severity) || a.starts_at.localeCompare(b.starts_at));
    return { alerts, canWrite: rules.can_write };
  }, [version]);
  const [error, setError] = useState<string | null>(null);
  const act = (fn: () => Promise<void>) => {
    setError(null);
    // A refusal (409: the alert resolved meanwhile) reloads the lists too, so they show what is true now.
    fn().then(onChange, (e: unknown) => {
      setError(e instanceof Error ? e.message : String(e));
      onChange();
    });
  };
  const d = p.data;
  return (
    <Panel id="active-alerts" title="Firing and pending" wide data={p} source="/v1/analytics/alerts?state=firing|acknowledged|pending">
      {error ? <p class="form-error" role="alert" data-testid="action-error">{error}</p> : null}
      {!d ? <Loading /> : d.alerts.length === 0 ? (
        <p class="empty" data-testid="empty">No alert is firing or pending.</p>
      ) : (
        <DataTable<Alert>
          testid="active-alerts-table"
          stack
          rows={d.alerts}
          rowKey={(a) => a.id}
          columns={[
            { key: 'severity', label: 'Severity', render: (a) => <SeverityBadge severity={a.severity} /> },
            { key: 'state', label: 'State', render: (a) => <><StateWord state={a.state} />{a.silenced_by ? <span class="muted"> · silenced</span> : null}</> },
            { key: 'rule', label: 'Rule', render: (a) => a.rule_name },
            { key: 'message', label: 'Message', render: (a) => <span class="alert-msg" data-testid="alert-message">{a.message}</span> },
            { key: 'since', label: 'Since', render: (a) => fmtDateTime(Date.parse(a.starts_at)) },
            {
              key: 'actions', label: '', render: (a) => !d.canWrite ? null : (
                <span class="alert-actions">
                  {a.state === 'firing' ? (
                    <button type="button" class="ghost" data-testid="ack" onClick={() => act(() => send('POST', `v1/analytics/alerts/${encodeURIComponent(a.id)}/acknowledge`, project))}>Acknowledge</button>
                  ) : null}
                  {a.silenced_by ? null : (
                    <button type="button" class="ghost" data-testid="silence" onClick={() => act(() => send('POST', 'v1/silences', project, { matchers: matchersFor(a), duration: '1h', comment: `silenced from the dashboard: ${a.rule_name}` }))}>Silence 1 h</button>
                  )}
                </span>
              ),
            },
          ]}
        />
      )}
      {d && !d.canWrite && d.alerts.length > 0 ? <p class="muted alert-note" data-testid="read-only">Acknowledging and silencing need an admin key.</p> : null}
    </Panel>
  );
}
