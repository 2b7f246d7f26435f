import type { ReportSpec } from '../reports/schedule.js';
import type { HealthCheckSpec } from './health-checks.js';

/** The typed configuration, parsed once at start (env + .env + optional YAML) by config/load.ts. */

export interface PriceOverride {
  /** Regular expression matched against the model name (case-insensitive). */
  pattern: string;
  /** USD per million input tokens. */
  input_per_mtok: number;
  /** USD per million output tokens. */
  output_per_mtok: number;
  /** ISO date from which this price applies; earlier events keep earlier prices. */
  effective_from?: string;
  provider?: string;
}

export interface ProjectConfig {
  name: string;
  /** Keep message `text` in the store (default false: text is used for sentiment, then dropped). */
  store_text: boolean;
}

export interface IngestConfig {
  /** Group commit: flush when this many events are waiting… */
  flushMaxEvents: number;
  /** …or when the oldest waiting event has waited this long. */
  flushIntervalMs: number;
  /** Events waiting for commit beyond which new requests get 429. */
  maxQueuedEvents: number;
  /** Seconds suggested to clients in `Retry-After` on 429/503. */
  retryAfterSeconds: number;
}

export interface AlertEnvConfig {
  responseTimeMs: number | null;
  errorRatePercent: number | null;
  cpuPercent: number | null;
  memoryPercent: number | null;
  diskPercent: number | null;
  /** `PULSE_ALERT_INTERVAL`: seconds between alert evaluations (default 15). */
  intervalSeconds: number;
  /** `PULSE_RULES`: a YAML file with an `alerts:` list (besides the one in PULSE_CONFIG). */
  rulesFile: string | null;
  webhookUrl: string | null;
  discordWebhook: string | null;
  emailSmtp: string | null;
  emailPort: number | null;
  emailUsername: string | null;
  emailPassword: string | null;
  emailRecipients: string[];
  pagerdutyRoutingKey: string | null;
  /** `ALERT_WEBHOOK_FORMAT`: the payload `ALERT_WEBHOOK_URL` receives (default `slack`). */
  webhookFormat: 'slack' | 'json' | 'alertmanager';
  /** `ALERT_EMAIL_FROM` (default: the SMTP username). */
  emailFrom: string | null;
  /** `PAGERDUTY_EVENTS_URL` (default PagerDuty's Events API v2 enqueue URL). */
  pagerdutyEventsUrl: string;
  /** `ALERTMANAGER_URL`: a real Alertmanager Pulse forwards alerts to (`/api/v2/alerts`). */
  alertmanagerUrl: string | null;
  /** YAML `channels:` (name → `{type, …}`) and `routes:`, as written; alerts/delivery validates them at start. */
  channels: Record<string, unknown>;
  routes: unknown[];
}

export interface LiveConfig {
  /** Default push interval of `/ws/metrics` (`PULSE_WS_INTERVAL_MS`, default 1000; clients may ask for slower or faster down to 250). */
  intervalMs: number;
  /** Default and maximum events per second one `/ws/events` client receives (`PULSE_TAIL_MAX_RATE`, default 100). */
  tailMaxRate: number;
}

/** Which OTLP spans become events: GenAI spans only, GenAI and HTTP server spans, or every span. */
export type OtlpSpanMode = 'genai' | 'http' | 'all';

/** The event fields OTLP ingest fills from span (then resource) attributes, each from the first listed key present. */
export interface OtlpAttributeKeys {
  user_id: string[];
  session_id: string[];
  persona: string[];
  channel: string[];
  guild: string[];
}

export interface OtlpConfig {
  /** `PULSE_OTLP_SPANS` (default `genai`). */
  spans: OtlpSpanMode;
  /** `PULSE_OTLP_USER_ATTRIBUTE`, `…_SESSION_…`, `…_PERSONA_…`, `…_CHANNEL_…`, `…_GUILD_ATTRIBUTE`; YAML `otlp.attributes`. */
  attributes: OtlpAttributeKeys;
}

/** Hardening limits (docs/operations.md#limits); each is an environment variable. */
export interface LimitsConfig {
  /** `PULSE_QUERY_TIMEOUT_MS` (default 15000): a query running longer is interrupted and answered 503. */
  queryTimeoutMs: number;
  /** `PULSE_QUERY_MAX_RANGE_DAYS` (default 400): a wider `start_date`..`end_date` is a 400. */
  queryMaxRangeDays: number;
  /** `PULSE_COMMIT_TIMEOUT_MS` (default 10000): an ingest request not committed by then is answered 503. */
  commitTimeoutMs: number;
  /** `PULSE_RATE_LIMIT_INGEST` (default 12000): ingest requests per minute per API key; 0 turns it off. */
  ingestPerMinute: number;
  /** `PULSE_RATE_LIMIT_QUERY` (default 1200): read requests per minute per API key; 0 turns it off. */
  queryPerMinute: number;
  /** `PULSE_INGEST_INFLIGHT_MB` (default 32, in bytes here): ingest request bodies held at once; beyond, 503. 0: off. */
  ingestInflightBytes: number;
  /** `PULSE_LOG_REQUESTS` (default false): one log line per request (URLs with `api_key` redacted). */
  logRequests: boolean;
  /** `PULSE_EXPORT_MAX_PENDING` (default 3): export jobs a project may have queued or running; beyond, 429. 0: off. */
  exportMaxPending: number;
  /** `PULSE_EXPORT_MAX_STORAGE_MB` (default 10240, in bytes here): a project's kept export files; oldest removed first. 0: off. */
  exportMaxStorageBytes: number;
  /** `PULSE_EXPORT_MIN_FREE_MB` (default 1024, in bytes here): free disk an export needs to be created or started. 0: off. */
  exportMinFreeBytes: number;
}

export interface PulseConfig {
  enabled: boolean;
  host: string;
  port: number;
  /** The admin key (`ANALYTICS_API_KEY`). A secret: never logged, redacted in /api/config. */
  apiKey: string | null;
  corsOrigins: string[];
  retentionDays: number;
  /** Keep rollups and read them for ranges over 24 h (`PULSE_ROLLUPS`, default true). */
  rollups: boolean;
  /** PULSE_USER_ROLLUPS: per-user day rows for the user analytics (analytics/user-rollups/); only with `rollups`. */
  userRollups: boolean;
  /** Days hourly (and minute) rollups are kept (`PULSE_ROLLUP_RETENTION_DAYS`, default 400; minute rows: raw retention). */
  rollupRetentionDays: number;
  /** Days daily rollups are kept (`PULSE_DAILY_RETENTION_DAYS`, default 1095, seed 004's three years). */
  dailyRetentionDays: number;
  /** Write expired raw events to Parquet under `<dataDir>/archive/` before deleting them (`PULSE_ARCHIVE`, default false). */
  archive: boolean;
  /** Days export files and jobs are kept (`PULSE_EXPORT_RETENTION_DAYS`, default 7). */
  exportRetentionDays: number;
  logLevel: string;
  websocketCompression: boolean;
  dataDir: string;
  /** The built dashboard to serve (`PULSE_DASHBOARD_DIR`); null: packages/dashboard/dist beside the server. */
  dashboardDir: string | null;
  /**
   * DuckDB's buffer-manager limit (`PULSE_DUCKDB_MEMORY_LIMIT`, default `128MB`) when no events come in; bounds the
   * server's RSS (`duckdbLoadMemoryLimit` does while events are loaded, steady ingest included).
   */
  duckdbMemoryLimit: string;
  /**
   * The pool's limit while events are loaded (`PULSE_DUCKDB_LOAD_MEMORY_LIMIT`, default the limit above + 64 MB): the rows
   * of the row group being filled wait uncompressed in the pool until their checkpoint. Back to `duckdbMemoryLimit` once
   * the store is quiet (store/duckdb/event-store.ts).
   */
  duckdbLoadMemoryLimit: string;
  /** DuckDB's worker threads (`PULSE_DUCKDB_THREADS`); null: DuckDB's default (one per core). */
  duckdbThreads: number | null;
  store: 'duckdb' | 'clickhouse';
  clickhouseUrl: string | null;
  /**
   * `PULSE_CLICKHOUSE_SHARDS`: the HTTP URLs (scheme, host, port) of every shard server, `PULSE_CLICKHOUSE_URL`'s among
   * them; events then go to a Distributed table over the shards (docs/scaling.md#sharding-a-distributed-table-over-several-servers).
   * Null: one server.
   */
  clickhouseShards: string[] | null;
  /** `PULSE_CLICKHOUSE_CLUSTER` (default `pulse`): the shards' cluster name in the servers' `remote_servers`. */
  clickhouseCluster: string;
  /**
   * `PULSE_POSTGRES_URL`: when set, projects, keys, alert rules and state, silences, deliveries, export jobs and report
   * runs live in this PostgreSQL database instead of the embedded file (docs/scaling.md); events stay where they are.
   */
  postgresUrl: string | null;
  /** `PULSE_POSTGRES_SCHEMA` (default `public`): the schema of Pulse's tables, created when missing. */
  postgresSchema: string;
  /** `PULSE_POSTGRES_POOL_SIZE` (default 10): connections each Pulse process opens at most (plus one for LISTEN). */
  postgresPoolSize: number;
  /**
   * `PULSE_INSTANCE_ID` (default `<hostname>-<pid>`): how this process names itself to the others sharing PostgreSQL
   * (leader election, `/api/background-tasks`); letters, digits and `._:-`, at most 50 (it goes into a 63-byte `application_name`).
   */
  instanceId: string;
  configFile: string | null;
  ingest: IngestConfig;
  live: LiveConfig;
  pricing: PriceOverride[];
  projects: ProjectConfig[];
  /** Scheduled reports (YAML `reports:`, docs/retention.md#reports). */
  reports: ReportSpec[];
  alerts: AlertEnvConfig;
  /** OpenTelemetry ingest (`POST /v1/traces`, docs/otlp.md). */
  otlp: OtlpConfig;
  /** `GET /metrics` (docs/prometheus.md). */
  metrics: MetricsConfig;
  /** Timeouts, maximum query range and per-key rate limits (docs/operations.md). */
  limits: LimitsConfig;
  /** YAML `health_checks:` (docs/operations.md#health-checks); reloaded on SIGUSR2. */
  healthChecks: HealthCheckSpec[];
}

export interface MetricsConfig {
  /** `PULSE_METRICS_KEY`: a bearer token valid only for `GET /metrics` (a scrape key). A secret. */
  key: string | null;
  /** `PULSE_METRICS_MAX_SERIES` (default 2000): series per KPI family before new label sets fold into `__other__`. */
  maxSeriesPerFamily: number;
  /** `PULSE_METRICS_KPI` (default true): compute seed 002's KPI and the LLM families from ingested events. */
  kpi: boolean;
}
