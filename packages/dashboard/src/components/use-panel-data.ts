import { useEffect, useRef, useState } from 'preact/hooks';
import { authStore } from '../api/auth';
import type { QueryCtx } from '../api/query';
import { intervalFor, isRelative, parseTime, relativeSpan } from '../lib/time';
import { useStore } from '../state/store';
import type { View } from '../state/view';
import { refreshStore, viewStore } from '../state/view-store';

export type PanelState = 'loading' | 'ready' | 'error';

export interface PanelData<T> {
  data: T | null;
  state: PanelState;
  error: string | null;
  /** The API URLs behind what is shown. */
  queries: string[];
  ctx: RangeInfo | null;
}

export interface RangeInfo {
  startMs: number;
  endMs: number;
  interval: QueryCtx['interval'];
  relative: boolean;
}

/** The view's range at `nowMs`: relative ranges end now, custom ranges are fixed. */
export function resolveRange(view: View, nowMs: number): RangeInfo {
  if (isRelative(view.range)) {
    const span = relativeSpan(view.range);
    return { startMs: nowMs - span, endMs: nowMs, interval: intervalFor(span), relative: true };
  }
  const startMs = parseTime(view.start) ?? nowMs - 86_400_000;
  const endMs = parseTime(view.end) ?? nowMs;
  return { startMs, endMs, interval: intervalFor(endMs - startMs), relative: false };
}

/**
 * Loads a panel's data for the current view and reloads it when the view, the refresh clock or the key
 * changes. The previous data stays on screen while a refresh is in flight (no flicker every 2 s); a
 * change of range or filters supersedes (aborts) the request before it.
 */
export function usePanelData<T>(load: (ctx: QueryCtx) => Promise<T>, deps: unknown[] = []): PanelData<T> {
  const view = useStore(viewStore);
  const refresh = useStore(refreshStore);
  const auth = useStore(authStore);
  const [out, setOut] = useState<PanelData<T>>({ data: null, state: 'loading', error: null, queries: [], ctx: null });
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const range = resolveRange(view, refresh.nowMs);
    const abort = new AbortController();
    const queries: string[] = [];
    const ctx: QueryCtx = {
      ...range,
      filters: view.filters,
      project: view.project,
      signal: abort.signal,
      record: (url) => queries.push(url),
    };
    setOut((o) => ({ ...o, state: 'loading' }));
    loadRef.current(ctx).then(
      (data) => {
        if (!abort.signal.aborted) setOut({ data, state: 'ready', error: null, queries, ctx: range });
      },
      (err: unknown) => {
        if (abort.signal.aborted) return;
        const message = err instanceof Error ? err.message : String(err);
        setOut((o) => ({ ...o, state: 'error', error: message, queries }));
      },
    );
    return () => abort.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [view.range, view.start, view.end, view.project, filtersKey(view), refresh.epoch, auth.version, ...deps]);

  return out;
}

function filtersKey(view: View): string {
  return JSON.stringify(view.filters);
}
