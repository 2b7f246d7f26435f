import { Body, Panel } from '../../components/panel';
import { Stat, StatGrid } from '../../components/stat';
import { usePanelData } from '../../components/use-panel-data';
import { n, n0, runQuery } from '../../api/query';
import type { Row } from '../../api/types';
import { fmtCount, fmtMs, fmtPct, fmtUsdTile } from '../../lib/format';
import { BANDS, levelOf } from '../../lib/thresholds';

/**
 * Tokens of events without a cost (a model the pricing table does not know): the cost leaves them out, so it is a
 * lower bound — said under the tile rather than shown as a complete spend.
 */
function unpricedHint(row: Row | undefined): string | undefined {
  const unpriced = n0(row, 'total_tokens') - n0(row, 'priced_tokens');
  return unpriced > 0 ? `excludes ${fmtCount(unpriced)} unpriced tokens` : undefined;
}

/** Totals over the selected range and filters: the REST side of the Overview, refreshed as events arrive. */
export function RangeSummary() {
  const p = usePanelData(async (ctx) => {
    const [all, byType, llm] = await Promise.all([
      runQuery(ctx, { measures: ['count', 'errors', 'error_rate', 'unique_users', 'total_tokens', 'cost_usd', 'priced_tokens'] }),
      runQuery(ctx, { measures: ['count'], dimensions: ['type'], limit: 100 }),
      runQuery(ctx, { measures: ['count', 'avg_duration_ms', 'p95_duration_ms'], where: { type: 'llm' } }),
    ]);
    const typeCount = (t: string) => n0(byType.find((r) => r.type === t), 'count');
    return { all: all[0], messages: typeCount('message'), llm: llm[0] };
  });
  return (
    <Panel
      id="range-summary"
      title="In the selected range"
      wide
      data={p}
      source="/v1/query over the range and filters: all events; LLM latency from type=llm events. Cost counts the events that carry one; tokens without a price (a model the pricing table does not know) are counted under it."
    >
      <Body data={p.data} empty={(d) => n0(d.all, 'count') === 0}>
        {(d) => (
          <StatGrid>
            <Stat id="sum-events" label="Events" text={fmtCount(n(d.all, 'count'))} value={n(d.all, 'count')} />
            <Stat id="sum-messages" label="Messages" text={fmtCount(d.messages)} value={d.messages} />
            <Stat id="sum-llm-calls" label="LLM calls" text={fmtCount(n(d.llm, 'count'))} value={n(d.llm, 'count')} />
            <Stat id="sum-errors" label="Errors" text={fmtCount(n(d.all, 'errors'))} value={n(d.all, 'errors')} hint={`${fmtPct(n(d.all, 'error_rate'))} of events`} />
            <Stat id="sum-users" label="Unique users" text={fmtCount(n(d.all, 'unique_users'))} value={n(d.all, 'unique_users')} />
            <Stat id="sum-avg-response" label="Avg LLM response" text={fmtMs(n(d.llm, 'avg_duration_ms'))} value={n(d.llm, 'avg_duration_ms')} level={levelOf(n(d.llm, 'avg_duration_ms'), BANDS.avgResponseMs)} />
            <Stat id="sum-p95-response" label="p95 LLM response" text={fmtMs(n(d.llm, 'p95_duration_ms'))} value={n(d.llm, 'p95_duration_ms')} level={levelOf(n(d.llm, 'p95_duration_ms'), BANDS.p95ResponseMs)} />
            <Stat id="sum-tokens" label="Tokens" text={fmtCount(n(d.all, 'total_tokens'))} value={n(d.all, 'total_tokens')} />
            <Stat id="sum-cost" label="Cost" text={fmtUsdTile(n(d.all, 'cost_usd'))} value={n(d.all, 'cost_usd')} hint={unpricedHint(d.all)} />
          </StatGrid>
        )}
      </Body>
    </Panel>
  );
}
