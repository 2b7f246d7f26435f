import { authStore } from '../api/auth';
import type { EventsFrame, HelloFrame, MetricsUpdate, TailEvent } from '../api/live-types';
import { ReconnectingSocket } from '../api/socket';
import { wsUrl } from '../api/client';
import { isRelative, relativeSpan } from '../lib/time';
import { createStore } from './store';
import { FILTER_FIELDS, type View } from './view';
import { refreshNow, refreshStore, viewStore } from './view-store';

/** No frame for this long while connected: "Data may be stale". Frames come every second. */
export const STALE_AFTER_MS = 5_000;
/** Newest events kept for the live tail. */
export const TAIL_SIZE = 100;

export type LinkStatus = 'connecting' | 'open' | 'down';

export interface LiveState {
  status: LinkStatus;
  metrics: MetricsUpdate | null;
  /** Client time of the last frame. */
  lastFrameAt: number | null;
  stale: boolean;
}

export interface TailState {
  status: LinkStatus;
  events: TailEvent[];
  skipped: number;
}

export const liveStore = createStore<LiveState>({ status: 'connecting', metrics: null, lastFrameAt: null, stale: false });
export const tailStore = createStore<TailState>({ status: 'connecting', events: [], skipped: 0 });

/** Project and filters, as the WebSocket endpoints take them (the same names as the REST API). */
function streamParams(view: View): URLSearchParams {
  const q = new URLSearchParams();
  if (view.project) q.set('project', view.project);
  for (const f of FILTER_FIELDS) for (const v of view.filters[f]) q.append(f, v);
  return q;
}

/** A key for what a stream depends on: it reconnects when this changes. */
const streamKey = (view: View, keyVersion: number) => `${keyVersion}|${streamParams(view).toString()}`;

/** Runs a socket that follows the view's project and filters and the key; returns a stop function. */
function follow(make: () => ReconnectingSocket): () => void {
  let socket = make();
  let key = streamKey(viewStore.get(), authStore.get().version);
  const check = () => {
    const k = streamKey(viewStore.get(), authStore.get().version);
    if (k === key) return;
    key = k;
    socket.close();
    socket = make();
  };
  const offView = viewStore.subscribe(check);
  const offAuth = authStore.subscribe(check);
  return () => {
    offView();
    offAuth();
    socket.close();
  };
}

/** `/ws/metrics`: the Overview's live cards, the connection banner, and the trigger for panel refreshes. */
export function startMetricsStream(): () => void {
  let seen: number | null = null;
  const stop = follow(() => {
    liveStore.set((s) => ({ ...s, status: 'connecting', metrics: null, stale: false }));
    return new ReconnectingSocket(() => wsUrl('ws/metrics', streamParams(viewStore.get())), {
      onOpen: () => liveStore.set((s) => ({ ...s, status: 'open', lastFrameAt: Date.now(), stale: false })),
      onDown: () => liveStore.set((s) => ({ ...s, status: 'down' })),
      onFrame: (frame) => {
        const f = frame as MetricsUpdate | HelloFrame;
        if (f.type === 'hello') {
          liveStore.set((s) => ({ ...s, status: 'open', lastFrameAt: Date.now(), stale: false }));
          return;
        }
        if (f.type !== 'metrics_update') return;
        liveStore.set((s) => ({ ...s, status: 'open', metrics: f, lastFrameAt: Date.now(), stale: false }));
        const now = f.data.events_seen;
        if (seen !== null && now !== seen) requestLiveRefresh();
        seen = now;
      },
    });
  });
  const staleTimer = setInterval(() => {
    const s = liveStore.get();
    const stale = s.status === 'open' && s.lastFrameAt !== null && Date.now() - s.lastFrameAt > STALE_AFTER_MS;
    if (stale !== s.stale) liveStore.set({ ...s, stale });
  }, 1000);
  return () => {
    clearInterval(staleTimer);
    stop();
  };
}

/** `/ws/events`: the live tail. Started by the tail panel while it is on screen. */
export function startTailStream(maxRate = 20): () => void {
  return follow(() => {
    tailStore.set({ status: 'connecting', events: [], skipped: 0 });
    return new ReconnectingSocket(() => {
      const q = streamParams(viewStore.get());
      q.set('max_rate', String(maxRate));
      return wsUrl('ws/events', q);
    }, {
      onOpen: () => tailStore.set((s) => ({ ...s, status: 'open' })),
      onDown: () => tailStore.set((s) => ({ ...s, status: 'down' })),
      onFrame: (frame) => {
        const f = frame as EventsFrame | HelloFrame;
        if (f.type !== 'events' || !Array.isArray(f.events)) return;
        tailStore.set((s) => ({
          status: 'open',
          // Newest first; a frame's events are in commit order.
          events: [...f.events.slice().reverse(), ...s.events].slice(0, TAIL_SIZE),
          skipped: typeof f.skipped === 'number' ? f.skipped : s.skipped,
        }));
      },
    });
  });
}

// ---- Refreshing panels when new events arrive ----------------------------------------------------

let lastRefreshAt = 0;
let timer: ReturnType<typeof setTimeout> | null = null;
let pendingWhileHidden = false;
refreshStore.subscribe(() => {
  lastRefreshAt = Date.now();
});

/** At most every 2 s for ranges up to 24 h, every 10 s beyond: a 30-day refresh costs the server far more. */
export function refreshGapMs(view: View): number {
  return isRelative(view.range) && relativeSpan(view.range) > 86_400_000 ? 10_000 : 2_000;
}

/**
 * New events were committed: refresh the panels if the range ends now (a fixed range cannot change),
 * throttled, and not while the tab is hidden (once, when it is shown again).
 */
export function requestLiveRefresh(): void {
  const view = viewStore.get();
  if (!isRelative(view.range)) return;
  if (document.hidden) {
    pendingWhileHidden = true;
    return;
  }
  if (timer) return;
  const wait = lastRefreshAt + refreshGapMs(view) - Date.now();
  if (wait <= 0) refreshNow();
  else {
    timer = setTimeout(() => {
      timer = null;
      if (document.hidden) pendingWhileHidden = true;
      else if (isRelative(viewStore.get().range)) refreshNow();
    }, wait);
  }
}

document.addEventListener('visibilitychange', () => {
  if (!document.hidden && pendingWhileHidden) {
    pendingWhileHidden = false;
    requestLiveRefresh();
  }
});
