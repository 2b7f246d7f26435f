import { BarList } from '../../components/bar-list';
import { Body, Panel } from '../../components/panel';
import { usePanelData } from '../../components/use-panel-data';
import { n, runQuery } from '../../api/query';
import { fmtMs } from '../../lib/format';

/** Time to first token per model (`type=llm` events that carry `ttft_ms`): mean bar, p95 beside it. */
export function TtftByModel() {
  const p = usePanelData(async (ctx) => {
    const rows = await runQuery(ctx, { measures: ['avg_ttft_ms', 'p95_ttft_ms'], dimensions: ['model'], where: { type: 'llm' }, order: '-avg_ttft_ms', limit: 50 });
    return rows.filter((r) => typeof r.model === 'string' && n(r, 'avg_ttft_ms') !== null);
  });
  return (
    <Panel id="ttft" title="Time to first token by model" data={p} source="/v1/query type=llm by model: avg_ttft_ms (bar) and p95_ttft_ms, over the calls that recorded a TTFT.">
      <Body data={p.data} empty={(rows) => rows.length === 0} emptyText="No LLM call in this range recorded a time to first token">
        {(rows) => (
          <BarList
            testid="ttft-bars"
            bars={rows.map((r) => ({
              key: String(r.model),
              label: String(r.model),
              value: n(r, 'avg_ttft_ms') ?? 0,
              text: `${fmtMs(n(r, 'avg_ttft_ms'))} · p95 ${fmtMs(n(r, 'p95_ttft_ms'))}`,
            }))}
          />
        )}
      </Body>
    </Panel>
  );
}
