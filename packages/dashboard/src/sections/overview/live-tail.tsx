import { useEffect } from 'preact/hooks';
import { DataTable, Dim } from '../../components/data-table';
import { Panel } from '../../components/panel';
import type { TailEvent } from '../../api/live-types';
import { fmtClock, fmtInt, fmtMs } from '../../lib/format';
import { startTailStream, tailStore, TAIL_SIZE } from '../../state/live';
import { useStore } from '../../state/store';

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** The newest committed events from `/ws/events` (the view's filters applied by the server). */
export function LiveTail() {
  useEffect(() => startTailStream(), []);
  const tail = useStore(tailStore);
  return (
    <Panel
      id="live-tail"
      title="Live tail"
      wide
      state={tail.status === 'down' ? 'error' : 'ready'}
      actions={
        <span class="tail-meta">
          <span data-testid="tail-skipped" data-value={tail.skipped}>
            {fmtInt(tail.skipped)} skipped
          </span>
        </span>
      }
      source={`WebSocket /ws/events: each committed event matching the filters, newest first (last ${TAIL_SIZE} kept; at most 20 a second are sent, the rest counted as skipped).`}
    >
      {tail.status === 'down' ? (
        <p class="muted">The live tail is disconnected; reconnecting…</p>
      ) : tail.events.length === 0 ? (
        <p class="empty" data-testid="tail-empty">
          No new events since this page opened. They appear here as they are committed.
        </p>
      ) : (
        <DataTable<TailEvent>
          testid="tail-table"
          rows={tail.events}
          rowKey={(e, i) => e.id ?? `${e.ts}-${i}`}
          columns={[
            { key: 'time', label: 'Time', render: (e) => fmtClock(Date.parse(e.ts)) },
            { key: 'type', label: 'Type', render: (e) => e.type },
            { key: 'model', label: 'Model', render: (e) => <Dim value={str(e.model)} none="—" /> },
            { key: 'persona', label: 'Persona', render: (e) => <Dim value={str(e.persona)} none="—" /> },
            { key: 'user', label: 'User', render: (e) => <Dim value={str(e.user_id)} none="—" /> },
            { key: 'status', label: 'Status', render: (e) => <StatusText status={str(e.status)} /> },
            { key: 'duration', label: 'Duration', numeric: true, render: (e) => (typeof e.duration_ms === 'number' ? fmtMs(e.duration_ms) : '—') },
            { key: 'error_type', label: 'Error type', render: (e) => <Dim value={str(e.error_type)} none="—" /> },
          ]}
        />
      )}
    </Panel>
  );
}

function StatusText({ status }: { status: string | null }) {
  if (status === null) return <span class="muted">—</span>;
  return <span class={status === 'error' ? 'status-err' : 'status-ok'}>{status}</span>;
}
