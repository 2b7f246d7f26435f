import { DataTable, Dim } from '../../components/data-table';
import { Body, Panel } from '../../components/panel';
import { usePanelData } from '../../components/use-panel-data';
import { n, runQuery } from '../../api/query';
import type { Row } from '../../api/types';
import { fmtInt, fmtMs, fmtPct, fmtSentiment } from '../../lib/format';

interface PersonaRow {
  persona: string | null;
  messages: number | null;
  sentiment: number | null;
  users: number | null;
  llmCalls: number | null;
  avgMs: number | null;
  p95Ms: number | null;
  errorRate: number | null;
}

/**
 * Per persona: its `message` events (count, mean sentiment, distinct users) beside its `llm` events
 * (calls, mean and p95 latency, error rate), two queries joined on the persona name.
 */
export function PersonaStats() {
  const p = usePanelData(async (ctx) => {
    const [msg, llm] = await Promise.all([
      runQuery(ctx, { measures: ['count', 'avg_sentiment', 'unique_users'], dimensions: ['persona'], where: { type: 'message' }, order: '-count', limit: 100 }),
      runQuery(ctx, { measures: ['count', 'avg_duration_ms', 'p95_duration_ms', 'error_rate'], dimensions: ['persona'], where: { type: 'llm' }, order: '-count', limit: 100 }),
    ]);
    const rows = new Map<string | null, PersonaRow>();
    const get = (r: Row): PersonaRow => {
      const key = typeof r.persona === 'string' ? r.persona : null;
      let row = rows.get(key);
      if (!row) {
        row = { persona: key, messages: null, sentiment: null, users: null, llmCalls: null, avgMs: null, p95Ms: null, errorRate: null };
        rows.set(key, row);
      }
      return row;
    };
    for (const r of msg) Object.assign(get(r), { messages: n(r, 'count'), sentiment: n(r, 'avg_sentiment'), users: n(r, 'unique_users') });
    for (const r of llm) Object.assign(get(r), { llmCalls: n(r, 'count'), avgMs: n(r, 'avg_duration_ms'), p95Ms: n(r, 'p95_duration_ms'), errorRate: n(r, 'error_rate') });
    // Events without a persona (API calls, say) are not a persona: left out unless nothing else exists.
    const named = [...rows.values()].filter((r) => r.persona !== null);
    return named.sort((a, b) => (b.messages ?? 0) - (a.messages ?? 0) || (b.llmCalls ?? 0) - (a.llmCalls ?? 0) || a.persona!.localeCompare(b.persona!));
  });
  return (
    <Panel
      id="persona-stats"
      title="Persona statistics"
      wide
      data={p}
      source="/v1/query by persona: type=message → count, avg_sentiment, unique_users; type=llm → count, avg and p95 duration_ms, error_rate."
    >
      <Body data={p.data} empty={(rows) => rows.length === 0}>
        {(rows) => (
          <DataTable<PersonaRow>
            testid="persona-table"
            rows={rows}
            rowKey={(r) => r.persona ?? ''}
            columns={[
              { key: 'persona', label: 'Persona', render: (r) => <Dim value={r.persona} /> },
              { key: 'messages', label: 'Messages', numeric: true, render: (r) => fmtInt(r.messages ?? 0) },
              { key: 'sentiment', label: 'Sentiment', numeric: true, render: (r) => fmtSentiment(r.sentiment) },
              { key: 'users', label: 'Users', numeric: true, render: (r) => fmtInt(r.users ?? 0) },
              { key: 'llm', label: 'LLM calls', numeric: true, render: (r) => fmtInt(r.llmCalls ?? 0) },
              { key: 'avg', label: 'Avg latency', numeric: true, render: (r) => fmtMs(r.avgMs) },
              { key: 'p95', label: 'p95 latency', numeric: true, render: (r) => fmtMs(r.p95Ms) },
              { key: 'errors', label: 'LLM errors', numeric: true, render: (r) => fmtPct(r.errorRate) },
            ]}
          />
        )}
      </Body>
    </Panel>
  );
}
