import { LiveFreshness } from '../../components/live-freshness';
import { Panel } from '../../components/panel';
import { Stat, StatGrid } from '../../components/stat';
import { fmtCount } from '../../lib/format';
import type { Level } from '../../lib/thresholds';
import { liveStore } from '../../state/live';
import { useStore } from '../../state/store';

const STATUS_LEVEL: Record<string, Level> = { healthy: 'good', degraded: 'warn', unhealthy: 'crit' };

/** Seed 001's "System Overview Panel", from the `system` block of each `/ws/metrics` frame. */
export function SystemOverview() {
  const live = useStore(liveStore);
  const s = live.metrics?.data.system;
  return (
    <Panel
      id="system-overview"
      title="System overview"
      state={s ? 'ready' : live.status === 'down' ? 'error' : 'loading'}
      source="/ws/metrics system: server uptime; status from the last 5 min error rate (degraded ≥ 5 %, unhealthy ≥ 25 %); guilds and users active in the last 15 min; messages since 00:00 UTC."
    >
      {!s ? (
        <p class="muted">{live.status === 'down' ? 'Unavailable while live updates are disconnected.' : 'Waiting for the first live update…'}</p>
      ) : (
        <LiveFreshness live={live}>
          <StatGrid>
            <Stat id="sys-status" label="Status" word text={s.bot_status} value={s.bot_status} level={STATUS_LEVEL[s.bot_status] ?? 'none'} />
            <Stat id="sys-uptime" label="Uptime" word text={s.uptime} value={s.uptime_seconds} />
            <Stat id="sys-active-guilds" label="Active guilds" text={fmtCount(s.active_guilds)} value={s.active_guilds} />
            <Stat id="sys-active-users" label="Active users" text={fmtCount(s.active_users)} value={s.active_users} />
            <Stat id="sys-messages-today" label="Messages today (UTC)" text={fmtCount(s.total_messages_today)} value={s.total_messages_today} />
            <Stat id="sys-response-time" label="Response time now" text={s.current_response_time} value={s.current_response_time} />
            <Stat id="sys-error-rate-24h" label="Error rate (24 h)" text={s.error_rate_24h} value={s.error_rate_24h} />
          </StatGrid>
        </LiveFreshness>
      )}
    </Panel>
  );
}
