import { Body, Panel } from '../../components/panel';
import { TimeChart } from '../../components/time-chart';
import { usePanelData } from '../../components/use-panel-data';
import { runQuery } from '../../api/query';
import { fmtMs } from '../../lib/format';
import { align } from '../../lib/series';
import { bucketsBetween } from '../../lib/time';

/** LLM response time per bucket over the long range: p95 (the slow calls users notice) and the median under it. */
export function LatencyTrend() {
  const p = usePanelData(async (ctx) => {
    const rows = await runQuery(ctx, { measures: ['count', 'p50_duration_ms', 'p95_duration_ms'], interval: ctx.interval, where: { type: 'llm' }, limit: 10_000 });
    const xs = bucketsBetween(ctx.startMs, ctx.endMs, ctx.interval);
    return {
      xs,
      range: [xs[0] ?? ctx.startMs, ctx.endMs] as [number, number],
      interval: ctx.interval,
      buckets: rows.length,
      series: [
        { label: 'p95', values: align(rows, xs, 'p95_duration_ms', null) },
        { label: 'p50', values: align(rows, xs, 'p50_duration_ms', null) },
      ],
    };
  });
  return (
    <Panel id="latency-trend" title="LLM response time" data={p} source={`/v1/query type=llm: p95 and p50 of duration_ms per ${p.data?.interval ?? 'bucket'}; a bucket without LLM calls is a gap.`}>
      <Body data={p.data} empty={(d) => d.buckets === 0} emptyText="No LLM calls in this range">
        {(d) => <TimeChart testid="chart-latency-trend" xs={d.xs} range={d.range} series={d.series} yFormat={fmtMs} />}
      </Body>
    </Panel>
  );
}
