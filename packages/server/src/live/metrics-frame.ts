import type { LiveWindow, WindowSnapshot } from './live-window.js';
import type { MetricsData, PersonaLive, SystemOverview } from './messages.js';
import { MINUTE_MS } from './windows-spec.js';

/** Seed 001's uptime text: `2 days, 5:32:10`, `1 day, 0:00:05`, `5:32:10`. */
export function formatUptime(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(total / 86_400);
  const h = Math.floor((total % 86_400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const clock = `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  return days > 0 ? `${days} day${days === 1 ? '' : 's'}, ${clock}` : clock;
}

const round = (v: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};
const orNull = (v: number | null, digits: number): number | null => (v === null ? null : round(v, digits));

/** Below 5 % errors over the recent window: healthy; below 25 %: degraded; else unhealthy. */
export function botStatus(errorRate: number | null): SystemOverview['bot_status'] {
  if (errorRate === null || errorRate < 0.05) return 'healthy';
  return errorRate < 0.25 ? 'degraded' : 'unhealthy';
}

export function buildMetricsData(window: LiveWindow, snap: WindowSnapshot, uptimeMs: number): MetricsData {
  const r = snap.recent;
  const coveredMinutes = Math.max((snap.nowMs - snap.recentStartMs) / MINUTE_MS, 1 / 60);
  const errorRate = r.events > 0 ? r.errors / r.events : null;
  const avgResponse = r.durationN > 0 ? r.durationSum / r.durationN : null;
  const dayRate = snap.day.events > 0 ? snap.day.errors / snap.day.events : null;
  const personas: Record<string, PersonaLive> = {};
  for (const [name, p] of [...snap.personas].sort((a, b) => b[1].messages - a[1].messages || (a[0] < b[0] ? -1 : 1))) {
    personas[name] = { messages: p.messages, sentiment: p.sentimentN > 0 ? round(p.sentimentSum / p.sentimentN, 3) : null };
  }
  const tokensByModel: MetricsData['tokens_by_model'] = {};
  for (const [name, m] of [...snap.models].sort((a, b) => b[1].input + b[1].output - (a[1].input + a[1].output))) {
    tokensByModel[name] = { input_tokens: m.input, output_tokens: m.output, cost_usd: round(m.cost, 6) };
  }
  return {
    active_users: snap.activeUsers,
    messages_per_minute: round(r.messages / coveredMinutes, 2),
    avg_response_time_ms: orNull(avgResponse, 1),
    error_rate: orNull(errorRate, 4),
    personas,
    system: {
      uptime: formatUptime(uptimeMs),
      uptime_seconds: Math.floor(uptimeMs / 1000),
      bot_status: botStatus(errorRate),
      active_guilds: snap.activeGuilds,
      active_users: snap.activeUsers,
      total_messages_today: snap.messagesToday,
      current_response_time: avgResponse === null ? '—' : `${(avgResponse / 1000).toFixed(1)}s`,
      error_rate_24h: dayRate === null ? '—' : `${round(dayRate * 100, 1)}%`,
    },
    p50_response_time_ms: orNull(snap.p50, 1),
    p95_response_time_ms: orNull(snap.p95, 1),
    p99_response_time_ms: orNull(snap.p99, 1),
    avg_ttft_ms: r.ttftN > 0 ? round(r.ttftSum / r.ttftN, 1) : null,
    p95_ttft_ms: orNull(snap.ttftP95, 1),
    events_per_second: round(r.events / (coveredMinutes * 60), 2),
    events_recent: r.events,
    tokens_by_model: tokensByModel,
    last_event_at: window.lastEventAtMs === null ? null : new Date(window.lastEventAtMs).toISOString(),
    events_seen: window.eventsSeen,
  };
}
