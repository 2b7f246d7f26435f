import type { ComponentChildren } from 'preact';
import { fmtClock } from '../lib/format';
import type { LiveState } from '../state/live';

/**
 * Live figures while the feed is down or silent: kept on screen (better than nothing) but dimmed and
 * dated, so nobody reads them as current.
 */
export function LiveFreshness({ live, children }: { live: LiveState; children: ComponentChildren }) {
  const fresh = live.status === 'open' && !live.stale;
  if (fresh) return <>{children}</>;
  return (
    <>
      <p class="stale-note" data-testid="live-stale-note">
        Not live: values as of {live.lastFrameAt ? fmtClock(live.lastFrameAt) : '—'}.
      </p>
      <div class="dim">{children}</div>
    </>
  );
}
