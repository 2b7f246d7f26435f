import { Body, Panel } from '../../components/panel';
import { TimeChart } from '../../components/time-chart';
import { usePanelData } from '../../components/use-panel-data';
import { n0, runQuery } from '../../api/query';
import { fmtCompact } from '../../lib/format';
import { align } from '../../lib/series';
import { bucketsBetween } from '../../lib/time';

/** Input (prompt) and output (completion) tokens per bucket. */
export function TokensTrend() {
  const p = usePanelData(async (ctx) => {
    const rows = await runQuery(ctx, { measures: ['input_tokens', 'output_tokens'], interval: ctx.interval, limit: 10_000 });
    const xs = bucketsBetween(ctx.startMs, ctx.endMs, ctx.interval);
    return {
      xs,
      range: [xs[0] ?? ctx.startMs, ctx.endMs] as [number, number],
      interval: ctx.interval,
      total: rows.reduce((a, r) => a + n0(r, 'input_tokens') + n0(r, 'output_tokens'), 0),
      series: [
        { label: 'input', values: align(rows, xs, 'input_tokens', 0) },
        { label: 'output', values: align(rows, xs, 'output_tokens', 0) },
      ],
    };
  });
  return (
    <Panel id="tokens-trend" title="Tokens" data={p} source={`/v1/query input_tokens, output_tokens per ${p.data?.interval ?? 'bucket'}.`}>
      <Body data={p.data} empty={(d) => d.total === 0}>
        {(d) => <TimeChart testid="chart-tokens-trend" xs={d.xs} range={d.range} series={d.series} yFormat={fmtCompact} />}
      </Body>
    </Panel>
  );
}
