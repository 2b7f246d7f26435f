import { BarList } from '../../components/bar-list';
import { DataTable, Dim } from '../../components/data-table';
import { Body, Panel } from '../../components/panel';
import { Stat, StatGrid } from '../../components/stat';
import { usePanelData, type PanelData } from '../../components/use-panel-data';
import { runPreset } from '../../api/query';
import type { CohortRow, UsersAnswer } from '../../api/analytics';
import { DASH, fmtDec, fmtInt, fmtPct, fmtUsd } from '../../lib/format';

/**
 * `/api/analytics/users` once, shown as three panels: active users (DAU/WAU/MAU, new vs returning,
 * session lengths), the week-by-week cohort table, and the top users (a click opens the drill-down).
 */
export function UserAnalytics({ onUser }: { onUser: (id: string) => void }) {
  const p = usePanelData((ctx) => runPreset<UsersAnswer>(ctx, 'api/analytics/users', { weeks: '8' }));
  return (
    <>
      <ActivePanel p={p} />
      <CohortPanel p={p} />
      <TopUsersPanel p={p} onUser={onUser} />
    </>
  );
}

function ActivePanel({ p }: { p: PanelData<UsersAnswer> }) {
  return (
    <Panel id="user-activity" title="Active users" data={p} source="/api/analytics/users — DAU averaged over the range; WAU and MAU are the 7 and 30 days ending at the range's end.">
      <Body data={p.data} empty={(d) => d.users.active.mau === 0}>
        {(d) => {
          const u = d.users;
          return (
            <>
              <StatGrid>
                <Stat id="dau" label="DAU (avg)" text={fmtDec(u.active.dau_avg)} value={u.active.dau_avg} />
                <Stat id="wau" label="WAU" text={fmtInt(u.active.wau)} value={u.active.wau} />
                <Stat id="mau" label="MAU" text={fmtInt(u.active.mau)} value={u.active.mau} />
                <Stat id="new-users" label="New users" text={fmtInt(u.new_vs_returning.new)} value={u.new_vs_returning.new} hint={`${fmtInt(u.new_vs_returning.returning)} returning of ${fmtInt(u.new_vs_returning.active)} active`} />
              </StatGrid>
              <h3 class="sub">Session length</h3>
              <BarList testid="session-lengths" bars={u.session_length_distribution.map((b) => ({ key: b.bucket, label: b.bucket, value: b.sessions, text: fmtInt(b.sessions) }))} />
            </>
          );
        }}
      </Body>
    </Panel>
  );
}

function CohortPanel({ p }: { p: PanelData<UsersAnswer> }) {
  return (
    <Panel id="cohorts" title="Cohort retention" wide data={p} source="/api/analytics/users — users by the ISO week of their first event; week k = share active k weeks later.">
      <Body data={p.data} empty={(d) => d.users.cohorts.rows.every((r) => r.size === 0)}>
        {(d) => {
          const weeks = d.users.cohorts.rows.reduce((m, r) => Math.max(m, r.retention.length), 0);
          return (
            <DataTable<CohortRow>
              testid="cohort-table"
              rows={d.users.cohorts.rows}
              rowKey={(r) => r.cohort}
              columns={[
                { key: 'cohort', label: 'Week of', render: (r) => r.cohort },
                { key: 'size', label: 'Users', numeric: true, render: (r) => fmtInt(r.size) },
                ...Array.from({ length: weeks }, (_, k) => ({
                  key: `w${k}`,
                  label: `W${k}`,
                  numeric: true,
                  render: (r: CohortRow) => (r.size === 0 || r.retention[k] === undefined ? DASH : fmtPct(r.retention[k])),
                })),
              ]}
            />
          );
        }}
      </Body>
    </Panel>
  );
}

function TopUsersPanel({ p, onUser }: { p: PanelData<UsersAnswer>; onUser: (id: string) => void }) {
  return (
    <Panel id="user-list" title="Users: sessions and cost" data={p} source="/api/analytics/users — top users by events in the range; click a user for the drill-down.">
      <Body data={p.data} empty={(d) => d.users.top_users.length === 0}>
        {(d) => (
          <DataTable
            testid="user-list-table"
            rows={d.users.top_users}
            rowKey={(r) => r.user_id}
            columns={[
              { key: 'user', label: 'User', render: (r) => <button type="button" class="link-btn" data-user={r.user_id} onClick={() => onUser(r.user_id)}><Dim value={r.user_id} /></button> },
              { key: 'events', label: 'Events', numeric: true, render: (r) => fmtInt(r.events) },
              { key: 'sessions', label: 'Sessions', numeric: true, render: (r) => fmtInt(r.sessions) },
              { key: 'cost', label: 'LLM cost', numeric: true, render: (r) => fmtUsd(r.cost_usd) },
            ]}
          />
        )}
      </Body>
    </Panel>
  );
}
