import { authStore, requireKey } from '../api/auth';
import type { EventsFrame, HelloFrame, MetricsUpdate, TailEvent } from '../api/live-types';
import { ReconnectingSocket } from '../api/socket';
import { wsUrl } from '../api/client';
import { isRelative, relativeSpan } from '../lib/time';
import { userRefreshGapMs } from '../lib/settings';
import { createStore, storage } from './store';
import { FILTER_FIELDS, type View } from './view';
import { refreshNow, refreshStore, viewStore } from './view-store';

/**
 * No frame for this long while connected: "Data may be stale" (frames come every second by default; a
 * server configured slower gets two of its intervals). Three intervals, at least 15 s: the socket is
 * treated as dead and reconnected (a half-open TCP connection never reports its own death).
 */
export const STALE_AFTER_MS = 5_000;
export const DEAD_AFTER_MS = 15_000;
/** Newest events kept for the live tail. */
export const TAIL_SIZE = 100;

export type LinkStatus = 'connecting' | 'open' | 'down';

export interface LiveState {
  status: LinkStatus;
  metrics: MetricsUpdate | null;
  /** Client time of the last frame. */
  lastFrameAt: number | null;
  stale: boolean;
  /** The server's push interval for this socket (from its hello frame). */
  intervalMs: number;
}

export interface TailState {
  status: LinkStatus;
  events: TailEvent[];
  skipped: number;
}

export const liveStore = createStore<LiveState>({ status: 'connecting', metrics: null, lastFrameAt: null, stale: false, intervalMs: 1000 });
export const tailStore = createStore<TailState>({ status: 'connecting', events: [], skipped: 0 });

/** Project and filters, as the WebSocket endpoints take them (the same names as the REST API). */
function streamParams(view: View): URLSearchParams {
  const q = new URLSearchParams();
  if (view.project) q.set('project', view.project);
  for (const f of FILTER_FIELDS) for (const v of view.filters[f]) q.append(f, v);
  return q;
}

/**
 * What a stream depends on: it reconnects when this changes. While the key prompt is up there is no
 * point retrying (every attempt would be refused): the stream waits for a key.
 */
const streamKey = (view: View): string => {
  const auth = authStore.get();
  return auth.needKey || !auth.accepted ? 'waiting-for-key' : `${auth.version}|${streamParams(view).toString()}`;
};

/** Runs a socket that follows the view's project and filters and the key; returns a stop function. */
function follow(make: () => ReconnectingSocket, idle: () => void): () => void {
  let key = streamKey(viewStore.get());
  let socket: ReconnectingSocket | null = null;
  const start = () => {
    if (key === 'waiting-for-key') idle();
    else socket = make();
  };
  start();
  const check = () => {
    const k = streamKey(viewStore.get());
    if (k === key) return;
    key = k;
    socket?.close();
    socket = null;
    start();
  };
  const offView = viewStore.subscribe(check);
  const offAuth = authStore.subscribe(check);
  return () => {
    offView();
    offAuth();
    socket?.close();
  };
}

/** `/ws/metrics`: the Overview's live cards, the connection banner, and the trigger for panel refreshes. */
export function startMetricsStream(): () => void {
  let seen: number | null = null;
  let current: ReconnectingSocket | null = null;
  const stop = follow(() => {
    liveStore.set((s) => ({ ...s, status: 'connecting', metrics: null, stale: false }));
    return (current = new ReconnectingSocket(() => wsUrl('ws/metrics', streamParams(viewStore.get())), {
      onOpen: () => liveStore.set((s) => ({ ...s, status: 'open', lastFrameAt: Date.now(), stale: false })),
      onDown: () => liveStore.set((s) => ({ ...s, status: 'down' })),
      // The key was revoked (1008): ask for another, as a refused REST call does; the stream waits for it.
      onRefused: requireKey,
      onFrame: (frame) => {
        const f = frame as MetricsUpdate | HelloFrame;
        if (f.type === 'hello') {
          const intervalMs = typeof f.interval_ms === 'number' && f.interval_ms > 0 ? f.interval_ms : 1000;
          liveStore.set((s) => ({ ...s, status: 'open', lastFrameAt: Date.now(), stale: false, intervalMs }));
          return;
        }
        if (f.type !== 'metrics_update') return;
        liveStore.set((s) => ({ ...s, status: 'open', metrics: f, lastFrameAt: Date.now(), stale: false }));
        const now = f.data.events_seen;
        if (seen !== null && now !== seen) requestLiveRefresh();
        seen = now;
      },
    }));
  }, () => liveStore.set((s) => ({ ...s, status: 'connecting', metrics: null, stale: false })));
  const staleTimer = setInterval(() => {
    const s = liveStore.get();
    const silent = s.status === 'open' && s.lastFrameAt !== null ? Date.now() - s.lastFrameAt : 0;
    if (silent > Math.max(DEAD_AFTER_MS, 3 * s.intervalMs)) {
      liveStore.set({ ...s, status: 'down', stale: false });
      current?.restart();
      return;
    }
    const stale = silent > Math.max(STALE_AFTER_MS, 2 * s.intervalMs);
    if (stale !== s.stale) liveStore.set({ ...s, stale });
  }, 1000);
  return () => {
    clearInterval(staleTimer);
    stop();
  };
}

/** `/ws/events`: the live tail. Started by the tail panel while it is on screen. */
export function startTailStream(maxRate = 20): () => void {
  let current: ReconnectingSocket | null = null;
  // When the metrics socket is back, the server is: retry the tail at once instead of after its backoff.
  const offLive = liveStore.subscribe((s) => {
    if (s.status === 'open' && tailStore.get().status === 'down') current?.restart();
  });
  const stop = follow(() => {
    tailStore.set({ status: 'connecting', events: [], skipped: 0 });
    return (current = new ReconnectingSocket(() => {
      const q = streamParams(viewStore.get());
      q.set('max_rate', String(maxRate));
      return wsUrl('ws/events', q);
    }, {
      onOpen: () => tailStore.set((s) => ({ ...s, status: 'open' })),
      onDown: () => tailStore.set((s) => ({ ...s, status: 'down' })),
      onRefused: requireKey,
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
    }));
  }, () => tailStore.set({ status: 'connecting', events: [], skipped: 0 }));
  return () => {
    offLive();
    stop();
  };
}

// ---- Refreshing panels when new events arrive ----------------------------------------------------

let lastRefreshAt = 0;
let timer: ReturnType<typeof setTimeout> | null = null;
let pendingWhileHidden = false;
refreshStore.subscribe(() => {
  lastRefreshAt = Date.now();
});

/**
 * At most every 2 s for ranges up to 24 h, every 10 s up to 30 days (a 30-day refresh costs the server far
 * more), every 60 s beyond (90 days, a year: daily and weekly buckets barely move in a minute); or less often, as
 * the browser's `refreshInterval` setting asks.
 */
export function refreshGapMs(view: View): number {
  const span = isRelative(view.range) ? relativeSpan(view.range) : 0;
  const own = span > 30 * 86_400_000 ? 60_000 : span > 86_400_000 ? 10_000 : 2_000;
  // Seed 001's `localStorage.refreshInterval` slows it down further (lib/settings.ts).
  return Math.max(own, userRefreshGapMs(storage.get('refreshInterval')));
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
