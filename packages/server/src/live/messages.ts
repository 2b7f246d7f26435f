/**
 * The frames Pulse pushes over WebSocket. `/ws/metrics` sends `metrics_update` (seed 001's message, with
 * its `data` fields first, then Pulse's additions); `/ws/events` sends `events`. Every client-visible
 * field is documented in docs/dashboard.md; the dashboard and `pulse top` read exactly these shapes.
 *
 * Windows (all rolling, ending at `timestamp`):
 * - "recent" = the last 5 minutes: messages_per_minute, avg_response_time_ms, error_rate, latency
 * - "active" = the last 15 minutes: active_users, active_guilds
 * - personas: the last 60 minutes
 * - "today": since 00:00 UTC; "24h": the last 24 hours
 * Response time is the `duration_ms` of `llm` events; TTFT their `ttft_ms`. A value the window has no
 * data for is `null`, never 0.
 */

export interface PersonaLive {
  /** `message` events of this persona in the last 60 minutes. */
  messages: number;
  /** Mean sentiment (−1…1) of those that carry one; null when none does. */
  sentiment: number | null;
}

export interface SystemOverview {
  /** Server uptime, seed 001's format: `2 days, 5:32:10` (or `5:32:10` under a day). */
  uptime: string;
  uptime_seconds: number;
  /** `healthy` | `degraded` | `unhealthy`: degraded when the recent error rate ≥ 5 %, unhealthy ≥ 25 % (until health checks land). */
  bot_status: 'healthy' | 'degraded' | 'unhealthy';
  active_guilds: number;
  active_users: number;
  /** `message` events since 00:00 UTC. */
  total_messages_today: number;
  /** Mean LLM response time over the recent window, e.g. `1.2s`; `—` with no data. */
  current_response_time: string;
  /** Error rate of all events over the last 24 hours, e.g. `0.5%`; `—` with no events. */
  error_rate_24h: string;
}

export interface MetricsData {
  // Seed 001's fields.
  active_users: number;
  messages_per_minute: number;
  avg_response_time_ms: number | null;
  /** errors / events over the recent window, 0…1; null with no events. */
  error_rate: number | null;
  personas: Record<string, PersonaLive>;
  // Pulse's additions.
  system: SystemOverview;
  /** LLM latency percentiles over the recent window (DDSketch, 1 % relative accuracy). */
  p50_response_time_ms: number | null;
  p95_response_time_ms: number | null;
  p99_response_time_ms: number | null;
  avg_ttft_ms: number | null;
  p95_ttft_ms: number | null;
  /** Events (all types) per second over the recent window. */
  events_per_second: number;
  /** Events in the recent window, all types. */
  events_recent: number;
  /** Tokens by model over the recent window. */
  tokens_by_model: Record<string, { input_tokens: number; output_tokens: number; cost_usd: number }>;
  /** Epoch-ms time of the newest event committed (by commit order, not by `ts`); null before any. */
  last_event_at: string | null;
  /** Total events committed into this window since the server started (a change means new data). */
  events_seen: number;
}

export interface MetricsUpdate {
  type: 'metrics_update';
  /** RFC 3339 time the frame was computed. */
  timestamp: string;
  /** The project the frame describes. */
  project: string;
  /** Filters this stream is restricted to (query-string names → values), `{}` for all traffic. */
  filters: Record<string, string[]>;
  /** Frames not sent to this client because it could not keep up (its socket buffer was full). */
  skipped_frames: number;
  data: MetricsData;
}

/** One committed event as the live tail shows it (`text` only where the project stores text). */
export interface TailEvent {
  id: string | null;
  ts: string;
  type: string;
  [field: string]: unknown;
}

export interface EventsFrame {
  type: 'events';
  timestamp: string;
  events: TailEvent[];
  /** Events matching this client's filters that were not sent (over its rate cap or buffer), since it connected. */
  skipped: number;
}

/** Sent once when a socket opens, so a client knows what it is connected to. */
export interface HelloFrame {
  type: 'hello';
  stream: 'metrics' | 'events';
  project: string;
  filters: Record<string, string[]>;
  interval_ms?: number;
  max_events_per_second?: number;
  server_time: string;
}
