import { DataTable, Dim } from '../../components/data-table';
import { Body, Panel } from '../../components/panel';
import { Stat, StatGrid } from '../../components/stat';
import { usePanelData } from '../../components/use-panel-data';
import { runPreset } from '../../api/query';
import type { UsageOverview } from '../../api/types';
import { fmtCount, fmtInt, fmtMs, fmtPct, fmtUsd, fmtUsdTile } from '../../lib/format';

type Prompt = UsageOverview['top_prompts'][number];

/** Seed 004's executive summary: `/v1/analytics/usage/overview` (LLM requests) and its top prompts. */
export function UsageSummary() {
  const p = usePanelData((ctx) => runPreset<UsageOverview>(ctx, 'v1/analytics/usage/overview'));
  return (
    <Panel id="usage" title="Executive summary — LLM usage" wide data={p} source="/v1/analytics/usage/overview (type=llm events): requests, tokens requested (input) and used (input + output), cost, mean response time, success rate; top prompts by requests.">
      <Body data={p.data} empty={(d) => d.summary.total_requests === 0}>
        {(d) => (
          <>
            <StatGrid>
              <Stat id="usage-requests" label="Requests" text={fmtCount(d.summary.total_requests)} value={d.summary.total_requests} />
              <Stat id="usage-tokens-requested" label="Tokens requested" text={fmtCount(d.summary.total_tokens_requested)} value={d.summary.total_tokens_requested} />
              <Stat id="usage-tokens-used" label="Tokens used" text={fmtCount(d.summary.total_tokens_used)} value={d.summary.total_tokens_used} />
              <Stat id="usage-cost" label="Cost" text={fmtUsdTile(Number(d.summary.total_cost_usd))} value={d.summary.total_cost_usd} />
              <Stat id="usage-avg-response" label="Avg response" text={fmtMs(d.summary.average_response_time_ms)} value={d.summary.average_response_time_ms} />
              <Stat id="usage-success" label="Success rate" text={fmtPct(d.summary.success_rate)} value={d.summary.success_rate} />
            </StatGrid>
            {d.top_prompts.length ? (
              <DataTable<Prompt>
                testid="prompts-table"
                rows={d.top_prompts}
                rowKey={(r) => r.prompt_id ?? '\u0000none'}
                columns={[
                  { key: 'prompt', label: 'Prompt', render: (r) => <Dim value={r.prompt_id} none="(no prompt id)" /> },
                  { key: 'req', label: 'Requests', numeric: true, render: (r) => fmtInt(r.requests) },
                  { key: 'tok', label: 'Tokens', numeric: true, render: (r) => fmtInt(r.tokens) },
                  { key: 'cost', label: 'Cost', numeric: true, render: (r) => fmtUsd(r.cost_usd) },
                ]}
              />
            ) : null}
          </>
        )}
      </Body>
    </Panel>
  );
}
