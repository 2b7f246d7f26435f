import { DataTable } from '../../components/data-table';
import { Body, Panel } from '../../components/panel';
import { usePanelData } from '../../components/use-panel-data';
import { n, runQuery } from '../../api/query';
import type { Row } from '../../api/types';
import { fmtDateTime, fmtInt, fmtMs, fmtPct } from '../../lib/format';

/** What is being ingested: events, errors and latency per event type. */
export function EventsByType() {
  const p = usePanelData((ctx) =>
    runQuery(ctx, { measures: ['count', 'errors', 'error_rate', 'avg_duration_ms', 'last_seen'], dimensions: ['type'], order: '-count', limit: 100 }),
  );
  return (
    <Panel id="events-by-type" title="Events by type" wide data={p} source="/v1/query dimensions=type: count, errors, error_rate, avg_duration_ms (of events that carry one), last_seen.">
      <Body data={p.data} empty={(rows) => rows.length === 0}>
        {(rows) => (
          <DataTable<Row>
            testid="events-by-type-table"
            rows={rows}
            rowKey={(r) => String(r.type)}
            columns={[
              { key: 'type', label: 'Type', render: (r) => String(r.type) },
              { key: 'count', label: 'Events', numeric: true, render: (r) => fmtInt(n(r, 'count')) },
              { key: 'errors', label: 'Errors', numeric: true, render: (r) => fmtInt(n(r, 'errors')) },
              { key: 'rate', label: 'Error rate', numeric: true, render: (r) => fmtPct(n(r, 'error_rate')) },
              { key: 'avg', label: 'Avg duration', numeric: true, render: (r) => fmtMs(n(r, 'avg_duration_ms')) },
              { key: 'last', label: 'Last seen', render: (r) => (typeof r.last_seen === 'string' ? fmtDateTime(Date.parse(r.last_seen)) : '—') },
            ]}
          />
        )}
      </Body>
    </Panel>
  );
}
