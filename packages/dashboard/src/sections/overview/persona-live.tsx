import { DataTable } from '../../components/data-table';
import { LiveFreshness } from '../../components/live-freshness';
import { Empty, Panel } from '../../components/panel';
import { fmtInt, fmtSentiment } from '../../lib/format';
import { liveStore } from '../../state/live';
import { useStore } from '../../state/store';
import type { PersonaLive as P } from '../../api/live-types';

/** Messages and mean sentiment per persona over the last 60 minutes, live (`data.personas`). */
export function PersonaLive() {
  const live = useStore(liveStore);
  const personas = live.metrics?.data.personas;
  const rows = personas ? Object.entries(personas).sort((a, b) => b[1].messages - a[1].messages || a[0].localeCompare(b[0])) : [];
  return (
    <Panel
      id="persona-live"
      title="Personas — last 60 min"
      state={personas ? 'ready' : live.status === 'down' ? 'error' : 'loading'}
      source="/ws/metrics personas: message events per persona in the last 60 minutes and their mean sentiment (−1…1)."
    >
      {!personas ? (
        <p class="muted">Waiting for the first live update…</p>
      ) : rows.length === 0 ? (
        <Empty>No persona messages in the last 60 minutes</Empty>
      ) : (
        <LiveFreshness live={live}>
          <DataTable<[string, P]>
            testid="persona-live-table"
            rowKey={(r) => r[0]}
            rows={rows}
            columns={[
              { key: 'persona', label: 'Persona', render: (r) => r[0] },
              { key: 'messages', label: 'Messages', numeric: true, render: (r) => fmtInt(r[1].messages) },
              { key: 'sentiment', label: 'Sentiment', numeric: true, render: (r) => fmtSentiment(r[1].sentiment) },
            ]}
          />
        </LiveFreshness>
      )}
    </Panel>
  );
}
