import { Loading, Panel } from '../../components/panel';
import { DataTable } from '../../components/data-table';
import { usePanelData } from '../../components/use-panel-data';
import { fmtSig } from '../../lib/format';
import { loadRules, type Rule } from './alerts-api';
import { SeverityBadge, StateWord } from './severity';

/** What a rule tests, in one line: `p95_duration_ms > 1500 over 5m`, `budget $500/month`, `cpu > 90 %`… */
export function condition(r: Rule): string {
  switch (r.kind) {
    case 'threshold': return `${r.measure} ${r.op} ${r.threshold} over ${r.window}`;
    case 'budget': return `forecast ≥ $${r.budget_usd} this month`;
    case 'anomaly': return `${r.measure} unusual for the hour (${r.window})`;
    case 'resource': return `${r.resource} ${r.op} ${r.threshold} %`;
    case 'health': return 'a health check turns unhealthy';
    case 'event': return 'a matching event arrives';
    case 'unpriced_model': return `events of a model without a price (${r.window})`;
    default: return r.kind;
  }
}

function current(r: Rule): string {
  const c = r.current;
  if (c === null) return 'not evaluated yet';
  if (c.value === null) return c.note ?? '—';
  // In the rule's own units, to four digits: an error rate of 0.0714 against `> 0.05` must not read 0.1.
  return typeof c.value === 'number' ? fmtSig(c.value) : c.value;
}

/** Every rule of the project (env, file and API), its condition and the value it last evaluated to. */
export function RuleList({ version }: { version: number }) {
  const p = usePanelData((ctx) => loadRules(ctx), [version]);
  return (
    <Panel id="alert-rules" title="Rules" wide data={p} source="/v1/alert-rules (current: the last evaluation)">
      {!p.data ? <Loading /> : p.data.rules.length === 0 ? (
        <p class="empty" data-testid="empty">No alert rules. Add them with ALERT_* variables, the alerts: list of the config file, or POST /v1/alert-rules (docs/alerting.md).</p>
      ) : (
        <DataTable<Rule>
          testid="rules-table"
          stack
          rows={p.data.rules}
          rowKey={(r) => r.id}
          columns={[
            { key: 'name', label: 'Rule', render: (r) => <span title={r.id}>{r.name}</span> },
            { key: 'condition', label: 'Condition', render: (r) => <code>{condition(r)}</code> },
            { key: 'severity', label: 'Severity', render: (r) => <SeverityBadge severity={r.severity} /> },
            { key: 'current', label: 'Current', numeric: true, render: (r) => <span data-testid="rule-current" data-value={r.current?.value ?? ''}>{current(r)}</span> },
            {
              key: 'status', label: 'Status', render: (r) =>
                !r.enabled ? <span class="muted">disabled</span>
                : r.firing > 0 ? <StateWord state="firing" />
                : r.pending > 0 ? <StateWord state="pending" />
                : <StateWord state="ok" />,
            },
            { key: 'source', label: 'From', render: (r) => <span class="muted">{r.source}</span> },
          ]}
        />
      )}
    </Panel>
  );
}
