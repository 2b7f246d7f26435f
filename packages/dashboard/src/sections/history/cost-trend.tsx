import { Body, Panel } from '../../components/panel';
import { TimeChart } from '../../components/time-chart';
import { usePanelData } from '../../components/use-panel-data';
import { runQuery } from '../../api/query';
import { fmtUsd } from '../../lib/format';
import { splitBy } from '../../lib/series';
import { bucketsBetween } from '../../lib/time';

/** Cost per bucket, one line per model (the 6 dearest, the rest as "other"); models that cost nothing are left out. */
export function CostTrend() {
  const p = usePanelData(async (ctx) => {
    const rows = await runQuery(ctx, { measures: ['cost_usd'], dimensions: ['model'], interval: ctx.interval, limit: 10_000 });
    const xs = bucketsBetween(ctx.startMs, ctx.endMs, ctx.interval);
    const priced = rows.filter((r) => typeof r.cost_usd === 'number' && r.cost_usd > 0);
    return {
      xs, range: [xs[0] ?? ctx.startMs, ctx.endMs] as [number, number], interval: ctx.interval,
      series: splitBy(priced, xs, 'model', 'cost_usd', 6, '(no model)'), events: rows.length > 0,
    };
  });
  return (
    <Panel id="cost-trend" title="Cost by model" data={p} source={`/v1/query cost_usd by model per ${p.data?.interval ?? 'bucket'}.`}>
      <Body data={p.data} empty={(d) => d.series.length === 0} emptyText={p.data?.events ? 'No cost in this range: these events are unpriced or free ($0.00).' : undefined}>
        {(d) => <TimeChart testid="chart-cost-trend" xs={d.xs} range={d.range} series={d.series} yFormat={fmtUsd} />}
      </Body>
    </Panel>
  );
}
