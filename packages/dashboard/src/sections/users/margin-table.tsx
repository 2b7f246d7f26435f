import { useState } from 'preact/hooks';
import { DataTable } from '../../components/data-table';
import { Body, Panel } from '../../components/panel';
import { Stat, StatGrid } from '../../components/stat';
import { usePanelData } from '../../components/use-panel-data';
import { runPreset } from '../../api/query';
import type { MarginAnswer, MarginFigures } from '../../api/analytics';
import { fmtInt, fmtUsd, fmtUsdTile } from '../../lib/format';

type By = 'plan' | 'persona' | 'user';
type Row = MarginFigures & { key: string; users?: number };

/** `/api/analytics/margin`: revenue (payments) against LLM cost by plan, persona (allocated revenue) or user. */
export function MarginTable() {
  const p = usePanelData((ctx) => runPreset<MarginAnswer>(ctx, 'api/analytics/margin'));
  const [by, setBy] = useState<By>('plan');
  const tabs = (
    <div class="seg" role="group" aria-label="Group margin by">
      {(['plan', 'persona', 'user'] as const).map((b) => (
        <button key={b} type="button" aria-pressed={by === b} data-by={b} onClick={() => setBy(b)}>
          {b}
        </button>
      ))}
    </div>
  );
  return (
    <Panel id="margin" title="Margin" wide data={p} actions={tabs} source="/api/analytics/margin — revenue: successful payment values; cost: LLM cost_usd; persona revenue allocated by each user's message share.">
      <Body data={p.data} empty={(d) => d.margin.totals.cost_usd === 0 && d.margin.totals.revenue_usd === 0}>
        {(d) => {
          const t = d.margin.totals;
          const rows: Row[] =
            by === 'plan'
              ? d.margin.by_plan.map((r) => ({ ...r, key: r.plan }))
              : by === 'persona'
                ? d.margin.by_persona.map((r) => ({ ...r, key: r.persona }))
                : d.margin.by_user.map((r) => ({ ...r, key: r.user_id }));
          return (
            <>
              <StatGrid>
                <Stat id="margin-revenue" label="Revenue" text={fmtUsdTile(t.revenue_usd)} value={t.revenue_usd} />
                <Stat id="margin-cost" label="LLM cost" text={fmtUsdTile(t.cost_usd)} value={t.cost_usd} />
                <Stat id="margin-total" label="Margin" text={fmtUsdTile(t.margin_usd)} value={t.margin_usd} level={t.margin_usd < 0 ? 'crit' : undefined} />
                <Stat id="margin-cpc" label="Cost per conversation" text={fmtUsdTile(t.cost_per_conversation)} value={t.cost_per_conversation} hint={`${fmtInt(t.conversations)} conversations`} />
              </StatGrid>
              <DataTable<Row>
                testid="margin-table"
                rows={rows}
                rowKey={(r) => r.key}
                columns={[
                  { key: 'key', label: by[0]!.toUpperCase() + by.slice(1), render: (r) => r.key },
                  { key: 'cost', label: 'Cost', numeric: true, render: (r) => fmtUsd(r.cost_usd) },
                  { key: 'revenue', label: 'Revenue', numeric: true, render: (r) => fmtUsd(r.revenue_usd) },
                  { key: 'margin', label: 'Margin', numeric: true, render: (r) => <span class={r.margin_usd < 0 ? 'status-err' : undefined}>{fmtUsd(r.margin_usd)}</span> },
                  { key: 'conv', label: 'Conversations', numeric: true, render: (r) => fmtInt(r.conversations) },
                  { key: 'cpc', label: 'Cost / conv.', numeric: true, render: (r) => fmtUsd(r.cost_per_conversation) },
                ]}
              />
            </>
          );
        }}
      </Body>
    </Panel>
  );
}
