import type { ComponentChildren } from 'preact';
import type { PanelData } from './use-panel-data';

interface PanelProps {
  id: string;
  title: string;
  /** Where the numbers come from, in a few words (the query, the window). */
  source?: ComponentChildren;
  /** Spans the full width of the grid. */
  wide?: boolean;
  /** REST-backed panels pass their data state; live panels pass their own. */
  data?: Pick<PanelData<unknown>, 'state' | 'error' | 'queries'>;
  state?: string;
  actions?: ComponentChildren;
  children?: ComponentChildren;
}

/** A titled card. Its `data-state` and `data-queries` say what it shows and from which API calls. */
export function Panel({ id, title, source, wide, data, state, actions, children }: PanelProps) {
  const st = state ?? data?.state ?? 'ready';
  return (
    <section
      class={`panel${wide ? ' wide' : ''}`}
      data-testid={`panel-${id}`}
      data-state={st}
      data-queries={data ? JSON.stringify(data.queries) : undefined}
      aria-busy={st === 'loading'}
    >
      <header class="panel-head">
        <h2>{title}</h2>
        {actions}
      </header>
      {data?.state === 'error' ? (
        <p class="panel-error" role="alert" data-testid="panel-error">
          Could not load: {data.error}
        </p>
      ) : (
        children
      )}
      {source ? <p class="source">{source}</p> : null}
    </section>
  );
}

/** "No events in this range", instead of zeros or an empty chart. */
export function Empty({ children }: { children?: ComponentChildren }) {
  return (
    <p class="empty" data-testid="empty">
      {children ?? 'No events in this range'}
    </p>
  );
}

export function Loading() {
  return <p class="loading">Loading…</p>;
}

/** Panel body for the usual three cases: not loaded yet, nothing to show (`emptyText`, else "No events in this range"), the content. */
export function Body<T>({ data, empty, emptyText, children }: { data: T | null; empty: (d: T) => boolean; emptyText?: string; children: (d: T) => ComponentChildren }) {
  if (data === null) return <Loading />;
  if (empty(data)) return <Empty>{emptyText}</Empty>;
  return <>{children(data)}</>;
}
