import { Body, Panel } from '../../components/panel';
import { Stat, StatGrid } from '../../components/stat';
import { TimeChart } from '../../components/time-chart';
import { usePanelData } from '../../components/use-panel-data';
import { n, n0, runQuery } from '../../api/query';
import { fmtCount, fmtMs } from '../../lib/format';
import { align } from '../../lib/series';
import { BANDS, levelOf } from '../../lib/thresholds';
import { bucketsBetween } from '../../lib/time';

/** LLM response time (`duration_ms` of `type=llm` events): p50/p95/p99 per bucket, and over the whole range. */
export function LatencyChart() {
  const p = usePanelData(async (ctx) => {
    const measures = ['count', 'avg_duration_ms', 'p50_duration_ms', 'p95_duration_ms', 'p99_duration_ms'];
    const [series, total] = await Promise.all([
      runQuery(ctx, { measures, interval: ctx.interval, where: { type: 'llm' }, limit: 10_000 }),
      runQuery(ctx, { measures, where: { type: 'llm' } }),
    ]);
    const xs = bucketsBetween(ctx.startMs, ctx.endMs, ctx.interval);
    return {
      xs,
      range: [xs[0] ?? ctx.startMs, ctx.endMs] as [number, number],
      interval: ctx.interval,
      total: total[0],
      series: [
        { label: 'p50', values: align(series, xs, 'p50_duration_ms', null) },
        { label: 'p95', values: align(series, xs, 'p95_duration_ms', null) },
        { label: 'p99', values: align(series, xs, 'p99_duration_ms', null) },
      ],
    };
  });
  return (
    <Panel
      id="latency"
      title="LLM response time"
      wide
      data={p}
      source={`/v1/query type=llm: p50 / p95 / p99 of duration_ms per ${p.data?.interval ?? 'bucket'}; the figures above cover the whole range.`}
    >
      <Body data={p.data} empty={(d) => n0(d.total, 'count') === 0}>
        {(d) => (
          <>
            <StatGrid>
              <Stat id="lat-count" label="LLM calls" text={fmtCount(n(d.total, 'count'))} value={n(d.total, 'count')} />
              <Stat id="lat-avg" label="Average" text={fmtMs(n(d.total, 'avg_duration_ms'))} value={n(d.total, 'avg_duration_ms')} level={levelOf(n(d.total, 'avg_duration_ms'), BANDS.avgResponseMs)} />
              <Stat id="lat-p50" label="p50" text={fmtMs(n(d.total, 'p50_duration_ms'))} value={n(d.total, 'p50_duration_ms')} />
              <Stat id="lat-p95" label="p95" text={fmtMs(n(d.total, 'p95_duration_ms'))} value={n(d.total, 'p95_duration_ms')} level={levelOf(n(d.total, 'p95_duration_ms'), BANDS.p95ResponseMs)} />
              <Stat id="lat-p99" label="p99" text={fmtMs(n(d.total, 'p99_duration_ms'))} value={n(d.total, 'p99_duration_ms')} level={levelOf(n(d.total, 'p99_duration_ms'), BANDS.p99ResponseMs)} />
            </StatGrid>
            <TimeChart testid="chart-latency" xs={d.xs} range={d.range} series={d.series} yFormat={fmtMs} />
          </>
        )}
      </Body>
    </Panel>
  );
}
