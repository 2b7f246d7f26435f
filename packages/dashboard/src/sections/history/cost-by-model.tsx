import { DataTable, Dim } from '../../components/data-table';
import { Body, Panel } from '../../components/panel';
import { Stat, StatGrid } from '../../components/stat';
import { usePanelData } from '../../components/use-panel-data';
import { n, n0, runQuery } from '../../api/query';
import type { Row } from '../../api/types';
import { fmtDec, fmtCount, fmtInt, fmtSpan, fmtUsd, fmtUsdTile } from '../../lib/format';

const DAY = 86_400_000;

/**
 * Tokens and cost by model, and a monthly projection: the range's cost per day × 30. It assumes the
 * range is typical (a quiet night projects low, a launch day high) and says so on screen.
 */
export function CostByModel() {
  const p = usePanelData(async (ctx) => {
    const rows = await runQuery(ctx, {
      measures: ['count', 'input_tokens', 'output_tokens', 'total_tokens', 'cost_usd'],
      dimensions: ['model'],
      order: '-cost_usd',
      limit: 100,
    });
    const used = rows.filter((r) => n0(r, 'total_tokens') > 0 || n0(r, 'cost_usd') > 0);
    const cost = used.reduce((a, r) => a + n0(r, 'cost_usd'), 0);
    const tokens = used.reduce((a, r) => a + n0(r, 'total_tokens'), 0);
    const days = (ctx.endMs - ctx.startMs) / DAY;
    return { rows: used, cost, tokens, spanMs: ctx.endMs - ctx.startMs, perDay: cost / days, projection: (cost / days) * 30 };
  });
  return (
    <Panel
      id="cost"
      title="Tokens and cost by model"
      wide
      data={p}
      source="/v1/query dimensions=model: input_tokens, output_tokens, total_tokens, cost_usd (priced at ingest from the pricing table, or as sent). Projection = cost per day over this range × 30."
    >
      <Body data={p.data} empty={(d) => d.rows.length === 0}>
        {(d) => (
          <>
            <StatGrid>
              <Stat id="cost-total" label="Cost in range" text={fmtUsdTile(d.cost)} value={d.cost} />
              <Stat id="cost-tokens" label="Tokens in range" text={fmtCount(d.tokens)} value={d.tokens} />
              <Stat id="cost-per-day" label="Cost per day" text={fmtUsdTile(d.perDay)} value={d.perDay} />
              <Stat
                id="cost-projection"
                label="Monthly projection"
                span
                text={fmtUsdTile(d.projection)}
                value={d.projection}
                hint={`projection: cost per day over ${fmtSpan(d.spanMs)} × 30`}
              />
            </StatGrid>
            <DataTable<Row>
              testid="cost-table"
              rows={d.rows}
              rowKey={(r) => String(r.model ?? '\u0000none')}
              columns={[
                { key: 'model', label: 'Model', render: (r) => <Dim value={r.model} none="(no model)" /> },
                { key: 'calls', label: 'Events', numeric: true, render: (r) => fmtInt(n(r, 'count')) },
                { key: 'in', label: 'Input tokens', numeric: true, render: (r) => fmtInt(n(r, 'input_tokens')) },
                { key: 'out', label: 'Output tokens', numeric: true, render: (r) => fmtInt(n(r, 'output_tokens')) },
                { key: 'cost', label: 'Cost', numeric: true, render: (r) => fmtUsd(n(r, 'cost_usd')) },
                { key: 'share', label: 'Share of cost', numeric: true, render: (r) => (d.cost > 0 ? `${fmtDec((n0(r, 'cost_usd') / d.cost) * 100)}%` : '—') },
              ]}
            />
          </>
        )}
      </Body>
    </Panel>
  );
}
