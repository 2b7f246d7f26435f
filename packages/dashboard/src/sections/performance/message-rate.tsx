import { Body, Panel } from '../../components/panel';
import { Stat, StatGrid } from '../../components/stat';
import { TimeChart } from '../../components/time-chart';
import { usePanelData } from '../../components/use-panel-data';
import { runQuery } from '../../api/query';
import { fmtDateTime, fmtCount, fmtRate } from '../../lib/format';
import { align } from '../../lib/series';
import { bucketsBetween, overlapMs } from '../../lib/time';

/**
 * Messages per minute (`type=message`): each bucket's count divided by the minutes of that bucket inside
 * the range, so a partly covered first or last bucket is not understated.
 */
export function MessageRate() {
  const p = usePanelData(async (ctx) => {
    const rows = await runQuery(ctx, { measures: ['count'], interval: ctx.interval, where: { type: 'message' }, limit: 10_000 });
    const xs = bucketsBetween(ctx.startMs, ctx.endMs, ctx.interval);
    const counts = align(rows, xs, 'count', 0) as number[];
    const rates = counts.map((c, i) => {
      const minutes = overlapMs(xs[i]!, ctx.interval, ctx.startMs, ctx.endMs) / 60_000;
      return minutes > 0 ? c / minutes : null;
    });
    const total = counts.reduce((a, b) => a + b, 0);
    let peak = -1;
    rates.forEach((r, i) => {
      if (r !== null && (peak < 0 || r > rates[peak]!)) peak = i;
    });
    return {
      xs,
      range: [xs[0] ?? ctx.startMs, ctx.endMs] as [number, number],
      interval: ctx.interval,
      total,
      avg: total / ((ctx.endMs - ctx.startMs) / 60_000),
      peak: peak >= 0 ? { at: xs[peak]!, rate: rates[peak]! } : null,
      series: [{ label: 'messages / min', values: rates }],
    };
  });
  return (
    <Panel
      id="message-rate"
      title="Message rate"
      wide
      data={p}
      source={`/v1/query type=message, count per ${p.data?.interval ?? 'bucket'} ÷ minutes of the bucket in the range.`}
    >
      <Body data={p.data} empty={(d) => d.total === 0}>
        {(d) => (
          <>
            <StatGrid>
              <Stat id="msg-total" label="Messages" text={fmtCount(d.total)} value={d.total} />
              <Stat id="msg-avg-rate" label="Average / min" text={fmtRate(d.avg)} value={d.avg} />
              <Stat id="msg-peak-rate" label="Peak / min" text={fmtRate(d.peak?.rate)} value={d.peak?.rate ?? null} hint={d.peak ? `${d.interval} of ${fmtDateTime(d.peak.at)}` : undefined} />
            </StatGrid>
            <TimeChart testid="chart-message-rate" xs={d.xs} range={d.range} series={d.series} yFormat={fmtRate} />
          </>
        )}
      </Body>
    </Panel>
  );
}
