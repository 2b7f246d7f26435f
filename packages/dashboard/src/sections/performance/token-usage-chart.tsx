import { Body, Panel } from '../../components/panel';
import { Stat, StatGrid } from '../../components/stat';
import { TimeChart } from '../../components/time-chart';
import { usePanelData } from '../../components/use-panel-data';
import { runQuery } from '../../api/query';
import { fmtCompact, fmtCount } from '../../lib/format';
import { splitBy } from '../../lib/series';
import { bucketsBetween } from '../../lib/time';

/** Input + output tokens per bucket, one line per model (the six busiest; the rest as "other"). */
export function TokenUsageChart() {
  const p = usePanelData(async (ctx) => {
    const rows = await runQuery(ctx, { measures: ['total_tokens'], dimensions: ['model'], interval: ctx.interval, limit: 10_000 });
    const xs = bucketsBetween(ctx.startMs, ctx.endMs, ctx.interval);
    const series = splitBy(rows, xs, 'model', 'total_tokens', 6, '(no model)').filter((s) => s.total > 0);
    return { xs, range: [xs[0] ?? ctx.startMs, ctx.endMs] as [number, number], interval: ctx.interval, series, total: series.reduce((a, s) => a + s.total, 0) };
  });
  return (
    <Panel
      id="token-usage"
      title="Token usage by model"
      wide
      data={p}
      source={`/v1/query total_tokens (input + output) by model per ${p.data?.interval ?? 'bucket'}.`}
    >
      <Body data={p.data} empty={(d) => d.total === 0}>
        {(d) => (
          <>
            <StatGrid>
              <Stat id="tok-total" label="Tokens in range" text={fmtCount(d.total)} value={d.total} />
            </StatGrid>
            <TimeChart testid="chart-token-usage" xs={d.xs} range={d.range} series={d.series} yFormat={fmtCompact} />
          </>
        )}
      </Body>
    </Panel>
  );
}
