import { Body, Panel } from '../../components/panel';
import { Stat, StatGrid } from '../../components/stat';
import { usePanelData } from '../../components/use-panel-data';
import { n, n0, runQuery, type QueryCtx } from '../../api/query';
import type { Row } from '../../api/types';
import { fmtCount, fmtDateTime, fmtMs, fmtPct, fmtSpan, fmtUsdTile } from '../../lib/format';
import { type Change, pointChange, relativeChange } from './period-change';

/** Totals of one period. */
export interface PeriodTotals {
  events: number;
  llmCalls: number;
  errors: number;
  errorRate: number | null;
  /** p95 of `duration_ms` over `type=llm` events; null without any. */
  p95Ms: number | null;
  tokens: number;
  cost: number;
}

/** One query per period, by type: the additive measures sum over the types, the LLM percentile is the llm row's. */
const MEASURES = ['count', 'errors', 'total_tokens', 'cost_usd', 'p95_duration_ms'];

function totalsOf(rows: Row[]): PeriodTotals {
  const sum = (m: string) => rows.reduce((a, r) => a + n0(r, m), 0);
  const llm = rows.find((r) => r.type === 'llm');
  const events = sum('count');
  const errors = sum('errors');
  return { events, llmCalls: n0(llm, 'count'), errors, errorRate: events > 0 ? errors / events : null, p95Ms: n(llm, 'p95_duration_ms'), tokens: sum('total_tokens'), cost: sum('cost_usd') };
}

const byType = (ctx: QueryCtx) => runQuery(ctx, { measures: MEASURES, dimensions: ['type'], limit: 1000 });

/**
 * The range's totals, each against the previous period of equal length (90 days against the 90 before):
 * the first thing to read on a long view — is it growing, is it getting slower, dearer, less reliable.
 */
export function PeriodSummary() {
  const p = usePanelData(async (ctx) => {
    const spanMs = ctx.endMs - ctx.startMs;
    const previous = { ...ctx, startMs: ctx.startMs - spanMs, endMs: ctx.startMs };
    const [cur, prev] = await Promise.all([byType(ctx), byType(previous)]);
    return { cur: totalsOf(cur), prev: totalsOf(prev), spanMs, prevStartMs: previous.startMs, prevEndMs: previous.endMs };
  });
  const span = p.data ? fmtSpan(p.data.spanMs) : '';
  /** The change under a figure (the note below names the period); none when the figure itself is missing. */
  const hint = (id: string, current: number | null, c: Change) =>
    current === null ? undefined : (
      <span class="change" data-testid={`change-${id}`} data-value={c.value ?? ''} title={`against the previous ${span}`}>
        {c.value === null ? 'nothing before' : c.text}
      </span>
    );
  return (
    <Panel
      id="period-summary"
      title="This period against the previous"
      wide
      data={p}
      source="/v1/query dimensions=type over the range and over the period of equal length before it: count, errors, total_tokens, cost_usd summed over the types; p95 of duration_ms from the llm type. Error rate changes are in percentage points."
    >
      <Body data={p.data} empty={(d) => d.cur.events === 0}>
        {(d) => (
          <>
            <StatGrid>
              <Stat id="period-events" label="Events" text={fmtCount(d.cur.events)} value={d.cur.events} hint={hint('events', d.cur.events, relativeChange(d.cur.events, d.prev.events))} />
              <Stat id="period-llm-calls" label="LLM calls" text={fmtCount(d.cur.llmCalls)} value={d.cur.llmCalls} hint={hint('llm-calls', d.cur.llmCalls, relativeChange(d.cur.llmCalls, d.prev.llmCalls))} />
              <Stat id="period-error-rate" label="Error rate" text={fmtPct(d.cur.errorRate)} value={d.cur.errorRate} hint={hint('error-rate', d.cur.errorRate, pointChange(d.cur.errorRate, d.prev.errorRate))} />
              <Stat id="period-p95" label="p95 LLM response" text={fmtMs(d.cur.p95Ms)} value={d.cur.p95Ms} hint={hint('p95', d.cur.p95Ms, relativeChange(d.cur.p95Ms, d.prev.p95Ms))} />
              <Stat id="period-tokens" label="Tokens" text={fmtCount(d.cur.tokens)} value={d.cur.tokens} hint={hint('tokens', d.cur.tokens, relativeChange(d.cur.tokens, d.prev.tokens))} />
              <Stat id="period-cost" label="Cost" text={fmtUsdTile(d.cur.cost)} value={d.cur.cost} hint={hint('cost', d.cur.cost, relativeChange(d.cur.cost, d.prev.cost))} />
            </StatGrid>
            <p class="note" data-testid="period-previous">
              Changes (▲ ▼) are against the previous {span}, {fmtDateTime(d.prevStartMs)} → {fmtDateTime(d.prevEndMs)}: {fmtCount(d.prev.events)} events,{' '}
              {fmtCount(d.prev.errors)} errors.
            </p>
          </>
        )}
      </Body>
    </Panel>
  );
}
