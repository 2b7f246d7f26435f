import { useEffect, useState } from 'preact/hooks';
import { fmtClock } from '../lib/format';
import { liveStore } from '../state/live';
import { useStore } from '../state/store';
import { lastAnswerStore } from '../api/client';

/** "● Live · Last update 12:00:01" in the header. */
export function LiveStatus() {
  const live = useStore(liveStore);
  const answered = useStore(lastAnswerStore);
  const last = Math.max(live.lastFrameAt ?? 0, answered ?? 0);
  const state = live.status === 'open' ? (live.stale ? 'stale' : 'live') : live.status === 'down' ? 'down' : 'connecting';
  const label = { live: 'Live', stale: 'Stale', down: 'Offline', connecting: 'Connecting' }[state];
  return (
    <div class={`live-status st-${state}`} data-testid="live-status" data-status={state}>
      <span class="dot" aria-hidden="true" />
      <span class="status-word">{label}</span>
      <span class="last-update" data-testid="last-update">
        <span class="last-label">Last update </span>
        {last > 0 ? fmtClock(last) : '—'}
      </span>
    </div>
  );
}

/** The connection banner: down ("reconnecting…") or silent for more than 5 s ("stale"). */
export function LiveBanner() {
  const live = useStore(liveStore);
  // Re-render every second so "N s ago" counts.
  const [, tick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(t);
  }, []);
  if (live.status === 'down') {
    return (
      <div class="banner banner-down" role="status" data-testid="banner-disconnected">
        Live updates disconnected — reconnecting… Panels show the data of their last refresh.
      </div>
    );
  }
  if (live.status === 'open' && live.stale && live.lastFrameAt) {
    const s = Math.round((Date.now() - live.lastFrameAt) / 1000);
    return (
      <div class="banner banner-stale" role="status" data-testid="banner-stale">
        Data may be stale: no live update for {s} s.
      </div>
    );
  }
  return null;
}
