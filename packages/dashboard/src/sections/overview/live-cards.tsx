import { LiveFreshness } from '../../components/live-freshness';
import { Panel } from '../../components/panel';
import { Stat, StatGrid } from '../../components/stat';
import { fmtDec, fmtCount, fmtInt, fmtMs, fmtPct } from '../../lib/format';
import { BANDS, levelOf } from '../../lib/thresholds';
import { liveStore } from '../../state/live';
import { useStore } from '../../state/store';

/**
 * Seed 001's live metrics from `/ws/metrics` (one frame a second). Windows: the last 5 minutes for rates
 * and latency, 15 minutes for active users. Response time is the `duration_ms` of `llm` events.
 */
export function LiveCards() {
  const live = useStore(liveStore);
  const d = live.metrics?.data;
  const state = d ? 'ready' : live.status === 'down' ? 'error' : 'loading';
  return (
    <Panel
      id="live-cards"
      title="Live now"
      wide
      state={state}
      source="WebSocket /ws/metrics, every second. Rates and latency: last 5 min (llm events); active users: last 15 min. Green / yellow / red by seed 001's thresholds."
    >
      {!d ? (
        <p class="muted" data-testid="live-waiting">
          {live.status === 'down' ? 'Live updates are unavailable; reconnecting…' : 'Waiting for the first live update…'}
        </p>
      ) : (
        <LiveFreshness live={live}>
          <StatGrid>
            <Stat id="live-active-users" label="Active users" text={fmtCount(d.active_users)} value={d.active_users} hint="last 15 min" />
            <Stat id="live-messages-per-minute" label="Messages / min" text={fmtDec(d.messages_per_minute)} value={d.messages_per_minute} hint="last 5 min" />
            <Stat id="live-avg-response" label="Avg response" text={fmtMs(d.avg_response_time_ms)} value={d.avg_response_time_ms} level={levelOf(d.avg_response_time_ms, BANDS.avgResponseMs)} />
            <Stat id="live-p95-response" label="p95 response" text={fmtMs(d.p95_response_time_ms)} value={d.p95_response_time_ms} level={levelOf(d.p95_response_time_ms, BANDS.p95ResponseMs)} />
            <Stat id="live-p99-response" label="p99 response" text={fmtMs(d.p99_response_time_ms)} value={d.p99_response_time_ms} level={levelOf(d.p99_response_time_ms, BANDS.p99ResponseMs)} />
            <Stat id="live-ttft" label="Time to first token" text={fmtMs(d.avg_ttft_ms)} value={d.avg_ttft_ms} level={levelOf(d.avg_ttft_ms, BANDS.ttftMs)} hint={`p95 ${fmtMs(d.p95_ttft_ms)}`} />
            <Stat id="live-error-rate" label="Error rate" text={fmtPct(d.error_rate)} value={d.error_rate} level={levelOf(d.error_rate, BANDS.errorRate)} hint={`${fmtInt(d.events_recent)} events`} />
          </StatGrid>
        </LiveFreshness>
      )}
    </Panel>
  );
}
