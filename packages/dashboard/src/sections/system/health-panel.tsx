import { getJson, apiPath } from '../../api/client';
import type { HealthReport, HealthStatus, ServiceHealth } from '../../api/types';
import { DataTable, type Column } from '../../components/data-table';
import { Loading, Panel } from '../../components/panel';
import { usePanelData } from '../../components/use-panel-data';
import { fmtDateTime, fmtMs } from '../../lib/format';

type Row = ServiceHealth & { name: string };

const LEVEL: Record<HealthStatus, string> = { healthy: 'good', degraded: 'warn', unhealthy: 'crit', unknown: 'none' };

/** A status as a coloured word (the word carries it; the colour helps). */
function Status({ status, id }: { status: HealthStatus; id?: string }) {
  return (
    <span class={`health-status lvl-${LEVEL[status]}`} data-testid={id} data-status={status}>
      {status}
    </span>
  );
}

/** The last results, oldest left: one cell each, its status as its title. */
function History({ row }: { row: Row }) {
  return (
    <span class="health-history" data-testid={`health-history-${row.name}`} aria-label={`last ${row.history.length} checks`}>
      {row.history.map((h, i) => (
        <span key={i} class={`cell lvl-${LEVEL[h.status]}`} data-status={h.status} title={`${fmtDateTime(Date.parse(h.at))}: ${h.status}${h.response_time_ms !== null ? `, ${fmtMs(h.response_time_ms)}` : ''}`} />
      ))}
    </span>
  );
}

const COLUMNS: Column<Row>[] = [
  { key: 'name', label: 'Service', render: (r) => <span class="word">{r.name}</span> },
  { key: 'status', label: 'Status', render: (r) => <Status status={r.status} id={`health-status-${r.name}`} /> },
  { key: 'type', label: 'Check', render: (r) => `${r.type} · every ${r.interval_seconds < 60 ? `${r.interval_seconds} s` : `${Math.round(r.interval_seconds / 60)} min`}` },
  { key: 'rt', label: 'Response', numeric: true, render: (r) => fmtMs(r.response_time_ms) },
  { key: 'history', label: 'History', render: (r) => <History row={r} /> },
  { key: 'last', label: 'Last check', render: (r) => (r.last_check ? fmtDateTime(Date.parse(r.last_check)) : 'not yet') },
  { key: 'details', label: 'Details', render: (r) => <span class="health-details">{r.details}</span> },
];

/** Now-panels pass `state`, not `data`: they follow no range or filter, so they carry no `data-queries`. */
export function LoadError({ error }: { error: string | null }) {
  return (
    <p class="panel-error" role="alert" data-testid="panel-error">
      Could not load: {error}
    </p>
  );
}

/**
 * Every health check (`GET /api/health`): Pulse's own store and the services configured under `health_checks:`,
 * each with its status, response time and its last results as a strip.
 */
export function HealthPanel() {
  const p = usePanelData((ctx) => {
    ctx.record(apiPath('api/health'));
    return getJson<HealthReport>('api/health', undefined, { signal: ctx.signal });
  });
  const d = p.data;
  const rows: Row[] = d ? Object.entries(d.services).map(([name, s]) => ({ ...s, name })) : [];
  return (
    <Panel
      id="health-checks"
      title="Service health"
      wide
      state={p.state}
      actions={d ? <Status status={d.status} id="health-overall" /> : null}
      source={<>/api/health: the store and the checks under <code>health_checks:</code> in PULSE_CONFIG (docs/operations.md); uptime {d?.uptime ?? '—'}.</>}
    >
      {p.state === 'error' ? <LoadError error={p.error} /> : !d ? <Loading /> : (
        <>
          <DataTable columns={COLUMNS} rows={rows} rowKey={(r) => r.name} testid="health-table" />
          {rows.length === 1 ? <p class="muted">Only Pulse's own store is checked. Add services under <code>health_checks:</code> to watch them here.</p> : null}
        </>
      )}
    </Panel>
  );
}
