/** Response shapes of the REST endpoints the dashboard reads (docs/api.md). */

export type Cell = string | number | null;
export type Row = Record<string, Cell>;

export interface QueryResponse<R = Row> {
  data: R[];
  meta: { start: string; end: string; rows: number; truncated: boolean; [k: string]: unknown };
}

export interface ApiMetrics {
  period: { start: string; end: string };
  response_time: {
    avg: number | null;
    percentiles: { p50: number | null; p95: number | null; p99: number | null };
    components: Record<string, number | null>;
  };
  token_usage: {
    daily: { prompt_tokens: number; completion_tokens: number; total_tokens: number; estimated_cost: string; cost_usd: number };
    by_model: Record<string, { prompt_tokens: number; completion_tokens: number; avg_response_time: number | null }>;
  };
  error_analysis: {
    total_errors_24h: number;
    error_rate: number | null;
    top_errors: Array<{ type: string; count: number; percentage: number | null; last_occurrence: string | null }>;
    trend: 'increasing' | 'decreasing' | 'stable';
  };
  llm_performance: {
    models: Record<string, {
      avg_response_time: number | null;
      tokens_per_second: number | null;
      cost_per_1k_tokens: number | null;
      usage_percentage: number;
    }>;
  };
}

export interface LatencyStats { events: number; avg_ms: number | null; p50_ms: number | null; p95_ms: number | null; p99_ms: number | null; error_rate: number | null }

export interface PerformanceMetrics {
  period: { start: string; end: string };
  response_time: LatencyStats;
  by_model: Record<string, LatencyStats>;
  by_route: Record<string, LatencyStats>;
  throughput: { events_per_minute: number; peak_events_per_minute: number | null; peak_minute: string | null };
  total_errors: number;
  error_rate: number | null;
  system: {
    cpu: { cores: number; load_average: number[] };
    memory: { total_gb: number; used_gb: number; usage_percent: number; available_gb: number };
    disk: { path: string; total_gb: number; used_gb: number; usage_percent: number; free_gb: number } | null;
    process: { rss_mb: number; heap_used_mb: number; uptime_seconds: number };
  } | null;
  /** null unless the key is an admin key: host and whole-store figures span every project. */
  database: { dialect: string; events: number; bytes: number | null; bytes_per_event: number | null } | null;
}

export interface UsageOverview {
  summary: {
    total_requests: number;
    total_tokens_requested: number;
    total_tokens_used: number;
    total_cost_usd: string;
    average_response_time_ms: number | null;
    success_rate: number | null;
    period: { start: string; end: string; group_by: string };
  };
  top_prompts: Array<{ prompt_id: string | null; requests: number; tokens: number; cost_usd: number }>;
}

/** `GET /api/health` (seed 001's shape; server health/report.ts). */
export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy' | 'unknown';
export interface ServiceHealth {
  status: HealthStatus;
  type: string;
  response_time_ms: number | null;
  last_check: string | null;
  since: string | null;
  details: string;
  interval_seconds: number;
  history: { at: string; status: Exclude<HealthStatus, 'unknown'>; response_time_ms: number | null }[];
}
export interface HealthReport {
  status: Exclude<HealthStatus, 'unknown'>;
  timestamp: string;
  uptime: string;
  uptime_seconds: number;
  services: Record<string, ServiceHealth>;
}

/** `GET /api/system` (admin; server health/system-report.ts). */
export interface SystemReport {
  timestamp: string;
  sampled_at: string;
  system_resources: {
    cpu: { usage_percent: number; cores: number; load_average: number[] };
    memory: { total_gb: number; used_gb: number; usage_percent: number; available_gb: number };
    disk: { path: string; total_gb: number; used_gb: number; usage_percent: number; free_gb: number } | null;
    network: { bytes_sent: number; bytes_received: number; connections: number };
    process: { pid: number; rss_mb: number; heap_used_mb: number; uptime_seconds: number; node: string };
  };
  database_health: Record<string, {
    status: HealthStatus;
    path: string;
    file_size_mb: number | null;
    wal_size_mb: number | null;
    rows: number;
    connections: number | null;
    queries_per_second: number | null;
    last_checkpoint: string | null;
    checkpoints_failed?: number | null;
    last_backup: string | null;
  }>;
}
