import { DataTable } from '../../components/data-table';
import { Body, Panel } from '../../components/panel';
import { Stat, StatGrid } from '../../components/stat';
import { usePanelData } from '../../components/use-panel-data';
import { runPreset } from '../../api/query';
import type { ApiMetrics } from '../../api/types';
import { fmtDateTime, fmtCount, fmtInt, fmtPct, fmtPercentValue } from '../../lib/format';
import type { Level } from '../../lib/thresholds';

type ErrorRow = ApiMetrics['error_analysis']['top_errors'][number];
const TREND: Record<ApiMetrics['error_analysis']['trend'], { text: string; level: Level }> = {
  increasing: { text: 'increasing ↑', level: 'crit' },
  decreasing: { text: 'decreasing ↓', level: 'good' },
  stable: { text: 'stable →', level: 'none' },
};

/** Seed 001's error analysis: `/api/metrics` → `error_analysis` (top error types, trend vs the previous period). */
export function ErrorTable() {
  const p = usePanelData(async (ctx) => (await runPreset<ApiMetrics>(ctx, 'api/metrics')).error_analysis);
  return (
    <Panel id="errors" title="Errors" wide data={p} source="/api/metrics error_analysis, all event types. Trend: this range's error rate against the period of equal length before it (±10 % of the earlier rate).">
      <Body data={p.data} empty={(e) => e.total_errors_24h === 0 && e.error_rate === null}>
        {(e) => (
          <>
            <StatGrid>
              <Stat id="errors-total" label="Errors" text={fmtCount(e.total_errors_24h)} value={e.total_errors_24h} />
              <Stat id="errors-rate" label="Error rate" text={fmtPct(e.error_rate)} value={e.error_rate} />
              <Stat id="errors-trend" label="Trend" word text={TREND[e.trend].text} value={e.trend} level={TREND[e.trend].level} />
            </StatGrid>
            {e.top_errors.length === 0 ? (
              <p class="empty" data-testid="empty">No errors in this range</p>
            ) : (
              <DataTable<ErrorRow>
                testid="errors-table"
                rows={e.top_errors}
                rowKey={(r) => r.type}
                columns={[
                  { key: 'type', label: 'Error type', render: (r) => r.type },
                  { key: 'count', label: 'Count', numeric: true, render: (r) => fmtInt(r.count) },
                  { key: 'pct', label: 'Share', numeric: true, render: (r) => fmtPercentValue(r.percentage) },
                  { key: 'last', label: 'Last seen', render: (r) => (r.last_occurrence ? fmtDateTime(Date.parse(r.last_occurrence)) : '—') },
                ]}
              />
            )}
          </>
        )}
      </Body>
    </Panel>
  );
}
