import { Body, Panel } from '../../components/panel';
import { Stat, StatGrid } from '../../components/stat';
import { TimeChart } from '../../components/time-chart';
import { usePanelData } from '../../components/use-panel-data';
import { runQuery } from '../../api/query';
import { fmtCount, fmtPct } from '../../lib/format';
import { align } from '../../lib/series';
import { BANDS, levelOf } from '../../lib/thresholds';
import { bucketsBetween, bucketStart, INTERVAL_MS } from '../../lib/time';

/** The chart's values are percentages: labelled as the tile above (`0.04%`, `2.0%`), so a rare error is not `0.0%`. */
const pctAxis = (v: number): string => fmtPct(v / 100);

/** Buckets in the rolling window. */
export const ROLLING_BUCKETS = 5;

/**
 * Rolling error rate, all event types: at each bucket, errors ÷ events over it and the 4 before (the
 * query reaches 4 buckets before the range so the first points have a full window).
 */
export function ErrorRate() {
  const p = usePanelData(async (ctx) => {
    const reach = bucketStart(ctx.startMs, ctx.interval) - (ROLLING_BUCKETS - 1) * INTERVAL_MS[ctx.interval];
    const [rows, total] = await Promise.all([
      runQuery(ctx, { measures: ['count', 'errors'], interval: ctx.interval, startMs: reach, limit: 10_000 }),
      runQuery(ctx, { measures: ['count', 'errors', 'error_rate'] }),
    ]);
    const all = bucketsBetween(reach, ctx.endMs, ctx.interval);
    const counts = align(rows, all, 'count', 0) as number[];
    const errors = align(rows, all, 'errors', 0) as number[];
    const rolling = all.map((_, i) => {
      let c = 0;
      let e = 0;
      for (let j = Math.max(0, i - ROLLING_BUCKETS + 1); j <= i; j++) {
        c += counts[j]!;
        e += errors[j]!;
      }
      return c > 0 ? (e / c) * 100 : null;
    });
    const skip = ROLLING_BUCKETS - 1;
    const xs = all.slice(skip);
    return {
      xs,
      range: [xs[0] ?? ctx.startMs, ctx.endMs] as [number, number],
      interval: ctx.interval,
      total: total[0],
      series: [{ label: `error rate, rolling ${ROLLING_BUCKETS} ${ctx.interval}s`, values: rolling.slice(skip) }],
    };
  });
  const t = p.data?.total;
  return (
    <Panel
      id="error-rate"
      title="Error rate"
      wide
      data={p}
      source={`/v1/query count, errors per ${p.data?.interval ?? 'bucket'} (all event types); each point is errors ÷ events over its ${ROLLING_BUCKETS}-${p.data?.interval ?? 'bucket'} trailing window.`}
    >
      <Body data={p.data} empty={(d) => !d.total || d.total.count === 0}>
        {(d) => (
          <>
            <StatGrid>
              <Stat id="err-rate" label="Error rate (range)" text={fmtPct(t?.error_rate as number | null)} value={t?.error_rate ?? null} level={levelOf(t?.error_rate as number | null, BANDS.errorRate)} />
              <Stat id="err-count" label="Errors" text={fmtCount(t?.errors as number)} value={t?.errors ?? null} />
              <Stat id="err-events" label="Events" text={fmtCount(t?.count as number)} value={t?.count ?? null} />
            </StatGrid>
            <TimeChart testid="chart-error-rate" xs={d.xs} range={d.range} series={d.series} yFormat={pctAxis} />
          </>
        )}
      </Body>
    </Panel>
  );
}
