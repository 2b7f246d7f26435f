import { Body, Panel } from '../../components/panel';
import { TimeChart } from '../../components/time-chart';
import { usePanelData } from '../../components/use-panel-data';
import { runQuery } from '../../api/query';
import { fmtCompact } from '../../lib/format';
import { splitBy } from '../../lib/series';
import { bucketsBetween } from '../../lib/time';

/** Messages per bucket for the six busiest personas. */
export function PersonaMessagesChart() {
  const p = usePanelData(async (ctx) => {
    const rows = await runQuery(ctx, { measures: ['count'], dimensions: ['persona'], interval: ctx.interval, where: { type: 'message' }, limit: 10_000 });
    const xs = bucketsBetween(ctx.startMs, ctx.endMs, ctx.interval);
    const series = splitBy(rows, xs, 'persona', 'count', 6, '(no persona)');
    return { xs, range: [xs[0] ?? ctx.startMs, ctx.endMs] as [number, number], interval: ctx.interval, series };
  });
  return (
    <Panel id="persona-messages" title="Messages by persona" wide data={p} source={`/v1/query type=message, count by persona per ${p.data?.interval ?? 'bucket'}.`}>
      <Body data={p.data} empty={(d) => d.series.length === 0}>
        {(d) => <TimeChart testid="chart-persona-messages" xs={d.xs} range={d.range} series={d.series} yFormat={fmtCompact} />}
      </Body>
    </Panel>
  );
}
