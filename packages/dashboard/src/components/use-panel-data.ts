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
 * change of range or filters supersedes (aborts) the request before it. A refresh (new events) never
 * cancels a load in flight: it runs when that load settles. Cancelling would starve a panel whose answer
 * takes longer than the refresh gap (a busy store) — it would say "Loading…" for as long as traffic lasts.
 */
export function usePanelData<T>(load: (ctx: QueryCtx) => Promise<T>, deps: unknown[] = []): PanelData<T> {
  const view = useStore(viewStore);
  const refresh = useStore(refreshStore);
  const auth = useStore(authStore);
  const [out, setOut] = useState<PanelData<T>>({ data: null, state: 'loading', error: null, queries: [], ctx: null });
  const loadRef = useRef(load);
  loadRef.current = load;
  /** The load in flight (or the last one): the refresh epoch it is for, and whether a refresh waits for it. */
  const flight = useRef<{ abort: AbortController; epoch: number; settled: boolean; again: boolean } | null>(null);
  const [rerun, setRerun] = useState(0);

  const start = (): void => {
    const range = resolveRange(view, refresh.nowMs);
    const abort = new AbortController();
    const f = { abort, epoch: refresh.epoch, settled: false, again: false };
    flight.current = f;
    const queries: string[] = [];
    const ctx: QueryCtx = {
      ...range,
      filters: view.filters,
      project: view.project,
      signal: abort.signal,
      record: (url) => queries.push(url),
    };
    const settle = (): void => {
      f.settled = true;
      if (f.again) setRerun((n) => n + 1);
    };
    setOut((o) => ({ ...o, state: 'loading' }));
    loadRef.current(ctx).then(
      (data) => {
        if (abort.signal.aborted) return;
        setOut({ data, state: 'ready', error: null, queries, ctx: range });
        settle();
      },
      (err: unknown) => {
        if (abort.signal.aborted) return;
        const message = err instanceof Error ? err.message : String(err);
        setOut((o) => ({ ...o, state: 'error', error: message, queries }));
        settle();
      },
    );
  };

  // What is shown changed: cancel what is in flight and load it.
  useEffect(() => {
    start();
    return () => flight.current?.abort.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [view.range, view.start, view.end, view.project, filtersKey(view), auth.version, ...deps]);

  // The refresh clock moved: load again, after the load in flight (if any) settles.
  useEffect(() => {
    const f = flight.current;
    if (!f || f.epoch >= refresh.epoch) return; // the load above already covers this moment
    if (!f.settled) {
      f.again = true;
      return;
    }
    start();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [refresh.epoch, rerun]);

  return out;
}

function filtersKey(view: View): string {
  return JSON.stringify(view.filters);
}
