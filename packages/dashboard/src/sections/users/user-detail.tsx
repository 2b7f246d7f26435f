import { DataTable } from '../../components/data-table';
import { Body, Panel } from '../../components/panel';
import { Stat, StatGrid } from '../../components/stat';
import { usePanelData } from '../../components/use-panel-data';
import { runPreset } from '../../api/query';
import type { UserDetailAnswer } from '../../api/analytics';
import { DASH, fmtDec, fmtInt, fmtUsd, fmtUsdTile } from '../../lib/format';

/** `/api/analytics/users/{id}`: one user's plan, money, personas with affinity, topics. */
export function UserDetail({ userId, onClose }: { userId: string; onClose: () => void }) {
  const p = usePanelData((ctx) => runPreset<UserDetailAnswer>(ctx, `api/analytics/users/${encodeURIComponent(userId)}`), [userId]);
  return (
    <Panel
      id="user-detail"
      title={`User ${userId}`}
      wide
      data={p}
      actions={<button type="button" class="link-btn" data-testid="user-detail-close" onClick={onClose}>Close</button>}
      source={`/api/analytics/users/${userId} — first/last seen over all time, the rest over the range.`}
    >
      <Body data={p.data} empty={() => false}>
        {(d) => {
          const u = d.user;
          return (
            <>
              <StatGrid>
                <Stat id="user-plan" label="Plan" text={u.plan ?? DASH} value={u.plan} word />
                <Stat id="user-events" label="Events" text={fmtInt(u.events)} value={u.events} hint={`${fmtInt(u.sessions)} sessions`} />
                <Stat id="user-cost" label="LLM cost" text={fmtUsdTile(u.cost_usd)} value={u.cost_usd} hint={`${fmtInt(u.llm_calls)} calls`} />
                <Stat id="user-revenue" label="Revenue" text={fmtUsdTile(u.revenue_usd)} value={u.revenue_usd} />
                <Stat id="user-margin" label="Margin" text={fmtUsdTile(u.margin_usd)} value={u.margin_usd} level={u.margin_usd !== null && u.margin_usd < 0 ? 'crit' : undefined} />
                <Stat id="user-topics" label="Topics" text={u.top_topics.length > 0 ? u.top_topics.join(', ') : DASH} value={u.top_topics.join(',')} word />
              </StatGrid>
              <DataTable
                testid="user-personas"
                rows={u.personas}
                rowKey={(r) => r.persona}
                columns={[
                  { key: 'persona', label: 'Persona', render: (r) => r.persona },
                  { key: 'messages', label: 'Messages', numeric: true, render: (r) => fmtInt(r.messages) },
                  { key: 'affinity', label: 'Affinity', numeric: true, render: (r) => fmtDec(r.affinity) },
                ]}
              />
            </>
          );
        }}
      </Body>
    </Panel>
  );
}
