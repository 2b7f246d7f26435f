import { Body, Panel } from '../../components/panel';
import { TimeChart } from '../../components/time-chart';
import { usePanelData } from '../../components/use-panel-data';
import { runQuery } from '../../api/query';
import { fmtCompact } from '../../lib/format';
import { splitBy } from '../../lib/series';
import { bucketsBetween } from '../../lib/time';

/** Events per bucket by type: the long view of what the application did. */
export function EventsChart() {
  const p = usePanelData(async (ctx) => {
    const rows = await runQuery(ctx, { measures: ['count'], dimensions: ['type'], interval: ctx.interval, limit: 10_000 });
    const xs = bucketsBetween(ctx.startMs, ctx.endMs, ctx.interval);
    return { xs, range: [xs[0] ?? ctx.startMs, ctx.endMs] as [number, number], interval: ctx.interval, series: splitBy(rows, xs, 'type', 'count', 7) };
  });
  return (
    <Panel id="events-over-time" title="Events over time" wide data={p} source={`/v1/query count by type per ${p.data?.interval ?? 'bucket'}.`}>
      <Body data={p.data} empty={(d) => d.series.length === 0}>
        {(d) => <TimeChart testid="chart-events" xs={d.xs} range={d.range} series={d.series} yFormat={fmtCompact} />}
      </Body>
    </Panel>
  );
}
