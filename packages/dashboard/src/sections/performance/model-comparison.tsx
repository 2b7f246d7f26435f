import { DataTable } from '../../components/data-table';
import { Body, Panel } from '../../components/panel';
import { usePanelData } from '../../components/use-panel-data';
import { runPreset } from '../../api/query';
import type { ApiMetrics } from '../../api/types';
import { fmtDec, fmtMs, fmtPercentValue, fmtUsd } from '../../lib/format';

type ModelRow = { model: string } & ApiMetrics['llm_performance']['models'][string];

/** Seed 001's model comparison: `/api/metrics?type=llm` → `llm_performance.models`. */
export function ModelComparison() {
  const p = usePanelData(async (ctx) => {
    const m = await runPreset<ApiMetrics>(ctx, 'api/metrics', { type: 'llm' });
    return Object.entries(m.llm_performance.models)
      .map(([model, v]) => ({ model, ...v }))
      .sort((a, b) => b.usage_percentage - a.usage_percentage || a.model.localeCompare(b.model));
  });
  return (
    <Panel id="models" title="Model comparison" wide data={p} source="/api/metrics?type=llm, llm_performance: mean response time, output tokens per second of generation, USD per 1,000 input + output tokens of priced calls (— for a model none of whose calls is priced: its price is unknown, not $0), share of LLM calls.">
      <Body data={p.data} empty={(rows) => rows.length === 0}>
        {(rows) => (
          <DataTable<ModelRow>
            testid="models-table"
            rows={rows}
            rowKey={(r) => r.model}
            columns={[
              { key: 'model', label: 'Model', render: (r) => r.model },
              { key: 'avg', label: 'Avg response', numeric: true, render: (r) => fmtMs(r.avg_response_time == null ? null : r.avg_response_time * 1000) },
              { key: 'tps', label: 'Tokens / s', numeric: true, render: (r) => fmtDec(r.tokens_per_second) },
              { key: 'cost1k', label: '$ / 1k tokens', numeric: true, render: (r) => fmtUsd(r.cost_per_1k_tokens) },
              { key: 'usage', label: 'Usage', numeric: true, render: (r) => fmtPercentValue(r.usage_percentage) },
            ]}
          />
        )}
      </Body>
    </Panel>
  );
}
