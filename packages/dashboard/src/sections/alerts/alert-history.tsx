import { Loading, Panel } from '../../components/panel';
import { DataTable } from '../../components/data-table';
import { usePanelData } from '../../components/use-panel-data';
import { fmtDateTime, fmtSpan } from '../../lib/format';
import { loadAlerts, type Alert } from './alerts-api';
import { SeverityBadge } from './severity';

/** Resolved alerts, latest first: when each started and ended and what it said. */
export function AlertHistory({ version }: { version: number }) {
  const p = usePanelData((ctx) => loadAlerts(ctx, { state: 'resolved', limit: '50' }), [version]);
  return (
    <Panel id="alert-history" title="History (resolved)" wide data={p} source="/v1/analytics/alerts?state=resolved&limit=50">
      {!p.data ? <Loading /> : p.data.alerts.length === 0 ? (
        <p class="empty" data-testid="empty">No alert has resolved yet.</p>
      ) : (
        <DataTable<Alert>
          testid="alert-history-table"
          stack
          rows={p.data.alerts}
          rowKey={(a) => a.id}
          columns={[
            { key: 'severity', label: 'Severity', render: (a) => <SeverityBadge severity={a.severity} /> },
            { key: 'rule', label: 'Rule', render: (a) => a.rule_name },
            { key: 'message', label: 'Message', render: (a) => <span class="alert-msg">{a.message}</span> },
            { key: 'start', label: 'Started', render: (a) => fmtDateTime(Date.parse(a.starts_at)) },
            { key: 'duration', label: 'Lasted', numeric: true, render: (a) => (a.ends_at ? fmtSpan(Date.parse(a.ends_at) - Date.parse(a.starts_at)) : '—') },
          ]}
        />
      )}
    </Panel>
  );
}
