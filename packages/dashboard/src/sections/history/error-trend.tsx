import { Body, Panel } from '../../components/panel';
import { TimeChart } from '../../components/time-chart';
import { usePanelData } from '../../components/use-panel-data';
import { runQuery } from '../../api/query';
import { fmtPct } from '../../lib/format';
import { align } from '../../lib/series';
import { bucketsBetween } from '../../lib/time';

/** The values are percentages: labelled as the period's tile (`0.04%`, `2.1%`), so a rare error is not `0.0%`. */
const pctAxis = (v: number): string => fmtPct(v / 100);

/** Errors ÷ events per bucket, all event types: whether reliability drifts over weeks, not minutes. */
export function ErrorTrend() {
  const p = usePanelData(async (ctx) => {
    const rows = await runQuery(ctx, { measures: ['count', 'errors', 'error_rate'], interval: ctx.interval, limit: 10_000 });
    const xs = bucketsBetween(ctx.startMs, ctx.endMs, ctx.interval);
    const rate = align(rows, xs, 'error_rate', null).map((v) => (v === null ? null : v * 100));
    return { xs, range: [xs[0] ?? ctx.startMs, ctx.endMs] as [number, number], interval: ctx.interval, rows: rows.length, series: [{ label: 'error rate', values: rate }] };
  });
  return (
    <Panel id="error-trend" title="Error rate" data={p} source={`/v1/query error_rate (errors ÷ events, all types) per ${p.data?.interval ?? 'bucket'}; a bucket without events is a gap.`}>
      <Body data={p.data} empty={(d) => d.rows === 0}>
        {(d) => <TimeChart testid="chart-error-trend" xs={d.xs} range={d.range} series={d.series} yFormat={pctAxis} />}
      </Body>
    </Panel>
  );
}
