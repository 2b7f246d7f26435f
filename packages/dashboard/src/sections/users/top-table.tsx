import { DataTable, Dim } from '../../components/data-table';
import { Body, Panel } from '../../components/panel';
import { usePanelData } from '../../components/use-panel-data';
import { n, runQuery } from '../../api/query';
import type { Row } from '../../api/types';
import { fmtDateTime, fmtInt } from '../../lib/format';

/** The ten busiest values of a dimension among `message` events: top users, top channels. */
export function TopTable({ id, title, dim, dimLabel, extra }: { id: string; title: string; dim: string; dimLabel: string; extra: 'unique_users' | 'last_seen' }) {
  const p = usePanelData((ctx) =>
    runQuery(ctx, { measures: ['count', extra], dimensions: [dim], where: { type: 'message' }, order: '-count', limit: 10 }),
  );
  return (
    <Panel id={id} title={title} data={p} source={`/v1/query type=message, dimensions=${dim}, measures count,${extra}, order=-count, limit=10.`}>
      <Body data={p.data} empty={(rows) => rows.length === 0}>
        {(rows) => (
          <DataTable<Row>
            testid={`${id}-table`}
            rows={rows}
            rowKey={(r) => String(r[dim] ?? '\u0000none')}
            columns={[
              { key: dim, label: dimLabel, render: (r) => <Dim value={r[dim]} /> },
              { key: 'count', label: 'Messages', numeric: true, render: (r) => fmtInt(n(r, 'count')) },
              extra === 'unique_users'
                ? { key: 'users', label: 'Users', numeric: true, render: (r) => fmtInt(n(r, 'unique_users')) }
                : { key: 'last', label: 'Last seen', render: (r) => (typeof r.last_seen === 'string' ? fmtDateTime(Date.parse(r.last_seen)) : '—') },
            ]}
          />
        )}
      </Body>
    </Panel>
  );
}
