import { readFileSync, existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { parse as parseYaml } from 'yaml';
import { reportsSchema } from './reports.js';
import { z } from 'zod';
import type { OtlpAttributeKeys, OtlpConfig, PulseConfig } from './types.js';
import { healthCheckSpecs, healthChecksSchema } from './health-checks.js';
import { parseClickHouseUrl } from '../store/clickhouse/url.js';

export type Env = Record<string, string | undefined>;

/** A configuration error names the variable or the YAML path, never the secret value. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const bool = (name: string) =>
  z
    .string()
    .transform((v, ctx) => {
      const s = v.trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(s)) return true;
      if (['false', '0', 'no', 'off'].includes(s)) return false;
      ctx.addIssue({ code: 'custom', message: `${name} must be true or false` });
      return z.NEVER;
    });

const num = (name: string, min: number, max: number, int = false) =>
  z.string().transform((v, ctx) => {
    const n = Number(v.trim());
    if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max || (int && !Number.isInteger(n))) {
      ctx.addIssue({ code: 'custom', message: `${name} must be ${int ? 'an integer' : 'a number'} in ${min}..${max}` });
      return z.NEVER;
    }
    return n;
  });

/** `["a","b"]` (seed 001) or `a,b`. */
export function parseList(v: string): string[] {
  const s = v.trim();
  if (s.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(s);
    } catch {
      throw new ConfigError('expected a JSON array of strings or a comma-separated list');
    }
    if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string')) {
      throw new ConfigError('expected a JSON array of strings');
    }
    return parsed.map((x: string) => x.trim()).filter(Boolean);
  }
  return s.split(',').map((x) => x.trim()).filter(Boolean);
}

const priceSchema = z.object({
  pattern: z.string().min(1).refine((p) => {
    try { new RegExp(p, 'i'); return true; } catch { return false; }
  }, 'must be a valid regular expression'),
  input_per_mtok: z.number().min(0),
  output_per_mtok: z.number().min(0),
  effective_from: z.string().regex(/^\d{4}-\d{2}-\d{2}/, 'must be a date YYYY-MM-DD').optional(),
  provider: z.string().optional(),
}).strict();

const keyList = z.union([z.string().min(1), z.array(z.string().min(1))]).transform((v) => (typeof v === 'string' ? [v] : v));

const otlpSchema = z.object({
  spans: z.enum(['genai', 'http', 'all']).optional(),
  attributes: z.object({
    user_id: keyList.optional(),
    session_id: keyList.optional(),
    persona: keyList.optional(),
    channel: keyList.optional(),
    guild: keyList.optional(),
  }).strict().optional(),
}).strict();

const projectSchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must match ^[a-z0-9][a-z0-9_-]{0,63}$'),
  store_text: z.boolean().default(false),
}).strict();

/** YAML file: the same settings as the environment (lower-case keys) plus what env can't express. */
const fileSchema = z.object({
  env: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  pricing: z.array(priceSchema).optional(),
  projects: z.array(projectSchema).optional(),
  ingest: z.object({
    flush_max_events: z.number().int().min(1).max(100_000).optional(),
    flush_interval_ms: z.number().min(0).max(10_000).optional(),
    max_queued_events: z.number().int().min(1000).max(10_000_000).optional(),
  }).strict().optional(),
  otlp: otlpSchema.optional(),
  reports: reportsSchema.optional(),
  health_checks: healthChecksSchema.optional(),
  // Later issues add health checks, alert rules and channels; unknown sections are kept for them.
}).passthrough();

function readYaml(path: string): z.infer<typeof fileSchema> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`PULSE_CONFIG: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: false }) ?? {};
  } catch (err) {
    // The first line of the parser's message, and where: its pretty form quotes the offending source line, which
    // can hold a webhook URL or a password — and the message reaches the log on a reload (SIGUSR2).
    const offset = (err as { pos?: [number, number] }).pos?.[0];
    const line = offset === undefined ? '' : ` (line ${text.slice(0, offset).split('\n').length})`;
    throw new ConfigError(`PULSE_CONFIG ${path}: not valid YAML${line}: ${String((err as Error).message).split('\n')[0]}`);
  }
  const r = fileSchema.safeParse(doc);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new ConfigError(`PULSE_CONFIG ${path}: ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  return r.data;
}

/** A section later validated by its feature (alerts/delivery): here only its shape, so the error names the key. */
function yamlSection(file: Record<string, unknown>, key: string, shape: 'object' | 'array'): Record<string, unknown> | unknown[] {
  const v = file[key];
  if (v === undefined || v === null) return shape === 'array' ? [] : {};
  const ok = shape === 'array' ? Array.isArray(v) : typeof v === 'object' && !Array.isArray(v);
  if (!ok) throw new ConfigError(`PULSE_CONFIG: ${key}: expected ${shape === 'array' ? 'a list' : 'a mapping of names to entries'}`);
  return v as Record<string, unknown> | unknown[];
}

/** Reads `.env` from `cwd` (real environment variables win over it). */
export function readDotenv(cwd: string): Env {
  const p = resolve(cwd, '.env');
  if (!existsSync(p)) return {};
  try {
    return parseDotenv(readFileSync(p));
  } catch (err) {
    throw new ConfigError(`.env: cannot read ${p} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** `<hostname>-<pid>`, reduced to the characters PULSE_INSTANCE_ID allows. */
function defaultInstanceId(): string {
  return `${hostname().replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, 40) || 'pulse'}-${process.pid}`;
}

function field<T>(env: Env, name: string, schema: z.ZodType<T, string>, fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const r = schema.safeParse(raw);
  if (!r.success) throw new ConfigError(r.error.issues[0]?.message ?? `${name} is invalid`);
  return r.data;
}

const SIZE = /^(\d+(?:\.\d+)?)\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i;
const SIZE_UNITS: Record<string, number> = { kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 };
const sizeSchema = (name: string) => z.string().trim().regex(SIZE, `${name} must be a size such as 128MB or 1GB`);

/** Bytes of a size DuckDB's `memory_limit` takes (KB, MB … are powers of 1,000 and KiB, MiB … of 1,024, as DuckDB reads them). */
export function sizeBytes(size: string): number {
  const m = SIZE.exec(size.trim());
  if (m === null) throw new ConfigError(`${size} is not a size such as 128MB or 1GB`);
  return Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]!;
}

/** A list variable (parseList); a bad one names the variable. */
function listVar(env: Env, name: string): string[] {
  const raw = env[name];
  if (!raw) return [];
  try {
    return parseList(raw);
  } catch (err) {
    throw new ConfigError(`${name}: ${(err as Error).message}`);
  }
}

const optStr = (env: Env, name: string): string | null => {
  const v = env[name]?.trim();
  return v ? v : null;
};

/**
 * Parses the configuration once. Precedence: explicit `overrides` > process env > `.env` > YAML `env:` > defaults.
 */
export function loadConfig(opts: { env?: Env; cwd?: string; overrides?: Partial<PulseConfig> } = {}): PulseConfig {
  const cwd = opts.cwd ?? process.cwd();
  const procEnv = opts.env ?? process.env;
  const dot = readDotenv(cwd);
  const configFile = procEnv.PULSE_CONFIG ?? dot.PULSE_CONFIG ?? null;
  const file = configFile ? readYaml(resolve(cwd, configFile)) : {};
  const fileEnv: Env = {};
  for (const [k, v] of Object.entries(file.env ?? {})) fileEnv[k.toUpperCase()] = String(v);
  const env: Env = { ...fileEnv, ...dot, ...procEnv };

  const corsOrigins = listVar(env, 'ANALYTICS_CORS_ORIGINS');
  const store = env.PULSE_STORE?.trim() || 'duckdb';
  if (store !== 'duckdb' && store !== 'clickhouse') throw new ConfigError(`PULSE_STORE must be duckdb or clickhouse, got ${JSON.stringify(store)}`);
  const recipients = listVar(env, 'ALERT_EMAIL_RECIPIENTS');
  const optNum = (name: string, min: number, max: number): number | null =>
    field<number | null>(env, name, num(name, min, max), null);

  const duckdbMemoryLimit = field(env, 'PULSE_DUCKDB_MEMORY_LIMIT', sizeSchema('PULSE_DUCKDB_MEMORY_LIMIT'), '128MB');
  // While a row group fills, its rows wait uncompressed in the pool (~80–120 MB for 122,880 events): loads get more room.
  const duckdbLoadMemoryLimit = field(env, 'PULSE_DUCKDB_LOAD_MEMORY_LIMIT', sizeSchema('PULSE_DUCKDB_LOAD_MEMORY_LIMIT'),
    `${Math.round(sizeBytes(duckdbMemoryLimit) / 1e6) + 64}MB`);
  if (sizeBytes(duckdbLoadMemoryLimit) < sizeBytes(duckdbMemoryLimit)) {
    throw new ConfigError('PULSE_DUCKDB_LOAD_MEMORY_LIMIT must be at least PULSE_DUCKDB_MEMORY_LIMIT');
  }

  // Downsampling keeps coarser rows longer: queries read hourly and daily rows wherever raw events are kept (and
  // hourly ones where daily ones are), so each retention is at least the finer one's. Unset, each defaults to the
  // longer of its own default and the finer one's.
  const retentionDays = field(env, 'METRICS_RETENTION_DAYS', num('METRICS_RETENTION_DAYS', 1, 36500, true), 30);
  const rollupRetentionDays = field(env, 'PULSE_ROLLUP_RETENTION_DAYS', num('PULSE_ROLLUP_RETENTION_DAYS', 1, 36500, true), Math.max(400, retentionDays));
  if (rollupRetentionDays < retentionDays) {
    throw new ConfigError(`PULSE_ROLLUP_RETENTION_DAYS (${rollupRetentionDays}) must be at least METRICS_RETENTION_DAYS (${retentionDays}): hourly rollups answer queries over the raw events' whole span`);
  }
  const dailyRetentionDays = field(env, 'PULSE_DAILY_RETENTION_DAYS', num('PULSE_DAILY_RETENTION_DAYS', 1, 36500, true), Math.max(1095, rollupRetentionDays));
  if (dailyRetentionDays < rollupRetentionDays) {
    throw new ConfigError(`PULSE_DAILY_RETENTION_DAYS (${dailyRetentionDays}) must be at least PULSE_ROLLUP_RETENTION_DAYS (${rollupRetentionDays}): daily rollups answer queries over the hourly rollups' whole span`);
  }

  const cfg: PulseConfig = {
    enabled: field(env, 'ANALYTICS_ENABLED', bool('ANALYTICS_ENABLED'), true),
    host: env.ANALYTICS_HOST?.trim() || '127.0.0.1',
    port: field(env, 'ANALYTICS_PORT', num('ANALYTICS_PORT', 0, 65535, true), 8000),
    apiKey: optStr(env, 'ANALYTICS_API_KEY'),
    corsOrigins,
    retentionDays,
    rollups: field(env, 'PULSE_ROLLUPS', bool('PULSE_ROLLUPS'), true),
    userRollups: field(env, 'PULSE_USER_ROLLUPS', bool('PULSE_USER_ROLLUPS'), true),
    rollupRetentionDays,
    dailyRetentionDays,
    archive: field(env, 'PULSE_ARCHIVE', bool('PULSE_ARCHIVE'), false),
    exportRetentionDays: field(env, 'PULSE_EXPORT_RETENTION_DAYS', num('PULSE_EXPORT_RETENTION_DAYS', 1, 3650, true), 7),
    logLevel: env.LOG_LEVEL?.trim() || 'info',
    websocketCompression: field(env, 'WEBSOCKET_COMPRESSION', bool('WEBSOCKET_COMPRESSION'), false),
    dataDir: resolve(cwd, env.PULSE_DATA_DIR?.trim() || './data'),
    dashboardDir: env.PULSE_DASHBOARD_DIR?.trim() ? resolve(cwd, env.PULSE_DASHBOARD_DIR.trim()) : null,
    duckdbMemoryLimit,
    duckdbLoadMemoryLimit,
    duckdbThreads: field<number | null>(env, 'PULSE_DUCKDB_THREADS', num('PULSE_DUCKDB_THREADS', 1, 256, true), null),
    store,
    clickhouseUrl: optStr(env, 'PULSE_CLICKHOUSE_URL'),
    clickhouseShards: env.PULSE_CLICKHOUSE_SHARDS?.trim() ? parseShardList(env.PULSE_CLICKHOUSE_SHARDS) : null,
    clickhouseCluster: field(env, 'PULSE_CLICKHOUSE_CLUSTER', z.string().trim().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'PULSE_CLICKHOUSE_CLUSTER must be an identifier (^[A-Za-z_][A-Za-z0-9_]*$)'), 'pulse'),
    postgresUrl: optStr(env, 'PULSE_POSTGRES_URL'),
    postgresSchema: field(env, 'PULSE_POSTGRES_SCHEMA', z.string().trim().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'PULSE_POSTGRES_SCHEMA must be a lower-case identifier (^[a-z_][a-z0-9_]{0,62}$)'), 'public'),
    postgresPoolSize: field(env, 'PULSE_POSTGRES_POOL_SIZE', num('PULSE_POSTGRES_POOL_SIZE', 1, 1000, true), 10),
    instanceId: field(env, 'PULSE_INSTANCE_ID', z.string().trim().regex(/^[A-Za-z0-9_.:-]{1,50}$/, 'PULSE_INSTANCE_ID must be 1–50 letters, digits or ._:-'), defaultInstanceId()),
    configFile,
    ingest: {
      flushMaxEvents: file.ingest?.flush_max_events ?? 20_000,
      flushIntervalMs: file.ingest?.flush_interval_ms ?? 2,
      maxQueuedEvents: file.ingest?.max_queued_events ?? 200_000,
      retryAfterSeconds: 1,
    },
    live: {
      intervalMs: field(env, 'PULSE_WS_INTERVAL_MS', num('PULSE_WS_INTERVAL_MS', 250, 60_000, true), 1000),
      tailMaxRate: field(env, 'PULSE_TAIL_MAX_RATE', num('PULSE_TAIL_MAX_RATE', 1, 10_000, true), 100),
    },
    pricing: (file.pricing ?? []).map((p) => ({ ...p })),
    projects: (file.projects ?? []).map((p) => ({ name: p.name, store_text: p.store_text })),
    reports: (file.reports ?? []).map((r) => ({ ...r, notify: [...r.notify] })),
    otlp: otlpConfig(env, file.otlp),
    metrics: {
      key: optStr(env, 'PULSE_METRICS_KEY'),
      maxSeriesPerFamily: field(env, 'PULSE_METRICS_MAX_SERIES', num('PULSE_METRICS_MAX_SERIES', 1, 1_000_000, true), 2000),
      kpi: field(env, 'PULSE_METRICS_KPI', bool('PULSE_METRICS_KPI'), true),
    },
    healthChecks: healthCheckSpecs(file.health_checks),
    limits: {
      queryTimeoutMs: field(env, 'PULSE_QUERY_TIMEOUT_MS', num('PULSE_QUERY_TIMEOUT_MS', 10, 600_000, true), 15_000),
      queryMaxRangeDays: field(env, 'PULSE_QUERY_MAX_RANGE_DAYS', num('PULSE_QUERY_MAX_RANGE_DAYS', 1, 36_500, true), 400),
      commitTimeoutMs: field(env, 'PULSE_COMMIT_TIMEOUT_MS', num('PULSE_COMMIT_TIMEOUT_MS', 10, 600_000, true), 10_000),
      ingestPerMinute: field(env, 'PULSE_RATE_LIMIT_INGEST', num('PULSE_RATE_LIMIT_INGEST', 0, 1e9, true), 12_000),
      queryPerMinute: field(env, 'PULSE_RATE_LIMIT_QUERY', num('PULSE_RATE_LIMIT_QUERY', 0, 1e9, true), 1_200),
      ingestInflightBytes: field(env, 'PULSE_INGEST_INFLIGHT_MB', num('PULSE_INGEST_INFLIGHT_MB', 0, 1_000_000, true), 32) * 1024 * 1024,
      logRequests: field(env, 'PULSE_LOG_REQUESTS', bool('PULSE_LOG_REQUESTS'), false),
      exportMaxPending: field(env, 'PULSE_EXPORT_MAX_PENDING', num('PULSE_EXPORT_MAX_PENDING', 0, 10_000, true), 3),
      exportMaxStorageBytes: field(env, 'PULSE_EXPORT_MAX_STORAGE_MB', num('PULSE_EXPORT_MAX_STORAGE_MB', 0, 100_000_000, true), 10_240) * 1024 * 1024,
      exportMinFreeBytes: field(env, 'PULSE_EXPORT_MIN_FREE_MB', num('PULSE_EXPORT_MIN_FREE_MB', 0, 100_000_000, true), 1024) * 1024 * 1024,
    },
    alerts: {
      responseTimeMs: optNum('ALERT_RESPONSE_TIME_MS', 0, 1e9),
      errorRatePercent: optNum('ALERT_ERROR_RATE_PERCENT', 0, 100),
      cpuPercent: optNum('ALERT_CPU_PERCENT', 0, 100),
      memoryPercent: optNum('ALERT_MEMORY_PERCENT', 0, 100),
      diskPercent: optNum('ALERT_DISK_PERCENT', 0, 100),
      intervalSeconds: field(env, 'PULSE_ALERT_INTERVAL', num('PULSE_ALERT_INTERVAL', 0.1, 3600, false), 15),
      rulesFile: env.PULSE_RULES || null,
      webhookUrl: optStr(env, 'ALERT_WEBHOOK_URL'),
      discordWebhook: optStr(env, 'ALERT_DISCORD_WEBHOOK'),
      emailSmtp: optStr(env, 'ALERT_EMAIL_SMTP'),
      emailPort: optNum('ALERT_EMAIL_PORT', 1, 65535),
      emailUsername: optStr(env, 'ALERT_EMAIL_USERNAME'),
      emailPassword: optStr(env, 'ALERT_EMAIL_PASSWORD'),
      emailRecipients: recipients,
      pagerdutyRoutingKey: optStr(env, 'PAGERDUTY_ROUTING_KEY'),
      webhookFormat: field(env, 'ALERT_WEBHOOK_FORMAT', z.enum(['slack', 'json', 'alertmanager'], { message: 'ALERT_WEBHOOK_FORMAT must be slack, json or alertmanager' }), 'slack'),
      emailFrom: optStr(env, 'ALERT_EMAIL_FROM'),
      pagerdutyEventsUrl: optStr(env, 'PAGERDUTY_EVENTS_URL') ?? 'https://events.pagerduty.com/v2/enqueue',
      alertmanagerUrl: optStr(env, 'ALERTMANAGER_URL'),
      channels: yamlSection(file, 'channels', 'object') as Record<string, unknown>,
      routes: yamlSection(file, 'routes', 'array') as unknown[],
    },
  };
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(cfg.logLevel)) {
    throw new ConfigError('LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent');
  }
  const merged = { ...cfg, ...opts.overrides };
  assertStoreBackends(merged);
  return merged;
}

/**
 * `PULSE_STORE=clickhouse` makes an instance stateless: events in ClickHouse (`PULSE_CLICKHOUSE_URL`), everything else
 * in PostgreSQL (`PULSE_POSTGRES_URL`) — both are required, and the URL must parse (docs/scaling.md).
 */
function assertStoreBackends(cfg: PulseConfig): void {
  if (cfg.store !== 'clickhouse') return;
  if (cfg.clickhouseUrl === null) {
    throw new ConfigError('PULSE_STORE=clickhouse needs PULSE_CLICKHOUSE_URL (ClickHouse\'s HTTP interface, e.g. http://127.0.0.1:8123/pulse)');
  }
  try {
    parseClickHouseUrl(cfg.clickhouseUrl);
  } catch (err) {
    throw new ConfigError(`PULSE_CLICKHOUSE_URL ${(err as Error).message}`);
  }
  if (cfg.clickhouseShards !== null && !cfg.clickhouseShards.includes(parseClickHouseUrl(cfg.clickhouseUrl).url)) {
    throw new ConfigError('PULSE_CLICKHOUSE_SHARDS must include the server of PULSE_CLICKHOUSE_URL (its Distributed table is created there)');
  }
  if (cfg.postgresUrl === null) {
    throw new ConfigError('PULSE_STORE=clickhouse needs PULSE_POSTGRES_URL: keys, projects, alerting and export jobs live in PostgreSQL, so every instance shares them');
  }
}

/**
 * `PULSE_CLICKHOUSE_SHARDS`: comma-separated `http(s)://host[:port]` of the shard servers — no credentials (those of
 * PULSE_CLICKHOUSE_URL are used on every shard) and no path (the database is PULSE_CLICKHOUSE_URL's). Normalised as
 * parseClickHouseUrl does, so PULSE_CLICKHOUSE_URL's server can be found among them.
 */
function parseShardList(raw: string): string[] {
  const out: string[] = [];
  for (const [i, item] of raw.split(',').map((s) => s.trim()).entries()) {
    let parsed;
    try {
      parsed = parseClickHouseUrl(item);
    } catch (err) {
      throw new ConfigError(`PULSE_CLICKHOUSE_SHARDS item ${i + 1} ${(err as Error).message}`);
    }
    if (parsed.username !== undefined || parsed.password !== undefined || new URL(item).pathname.replace(/\/+$/, '') !== '') {
      throw new ConfigError(`PULSE_CLICKHOUSE_SHARDS item ${i + 1} must be http(s)://host:port only: credentials and database come from PULSE_CLICKHOUSE_URL`);
    }
    if (out.includes(parsed.url)) throw new ConfigError(`PULSE_CLICKHOUSE_SHARDS item ${i + 1} repeats ${parsed.url}`);
    out.push(parsed.url);
  }
  if (out.length < 2) throw new ConfigError('PULSE_CLICKHOUSE_SHARDS must list at least two servers (unset it for one)');
  return out;
}

/** Where OTLP ingest looks for these fields unless configured (docs/otlp.md explains each choice). */
export const OTLP_ATTRIBUTE_DEFAULTS: Readonly<OtlpAttributeKeys> = {
  user_id: ['user.id', 'enduser.id'],
  session_id: ['session.id', 'gen_ai.conversation.id'],
  persona: ['gen_ai.agent.name'],
  channel: [],
  guild: [],
};

const OTLP_ATTRIBUTE_ENV: Record<keyof OtlpAttributeKeys, string> = {
  user_id: 'PULSE_OTLP_USER_ATTRIBUTE',
  session_id: 'PULSE_OTLP_SESSION_ATTRIBUTE',
  persona: 'PULSE_OTLP_PERSONA_ATTRIBUTE',
  channel: 'PULSE_OTLP_CHANNEL_ATTRIBUTE',
  guild: 'PULSE_OTLP_GUILD_ATTRIBUTE',
};

/** Environment over the YAML `otlp:` section over the defaults; an attribute variable takes a comma-separated list of keys. */
function otlpConfig(env: Env, file: z.infer<typeof otlpSchema> | undefined): OtlpConfig {
  const spans = env.PULSE_OTLP_SPANS?.trim() || file?.spans || 'genai';
  if (spans !== 'genai' && spans !== 'http' && spans !== 'all') throw new ConfigError('PULSE_OTLP_SPANS must be genai, http or all');
  const attributes = { ...OTLP_ATTRIBUTE_DEFAULTS };
  for (const field of Object.keys(OTLP_ATTRIBUTE_ENV) as (keyof OtlpAttributeKeys)[]) {
    const name = OTLP_ATTRIBUTE_ENV[field];
    const raw = env[name]?.trim();
    if (raw) {
      try {
        attributes[field] = parseList(raw);
      } catch (err) {
        throw new ConfigError(`${name}: ${(err as Error).message}`);
      }
    } else {
      attributes[field] = [...(file?.attributes?.[field] ?? OTLP_ATTRIBUTE_DEFAULTS[field])];
    }
  }
  return { spans, attributes };
}

/** `localhost`, `::1` or an IPv4 address in 127.0.0.0/8 — not a host name that merely starts with `127.`. */
export const isLoopback = (host: string): boolean =>
  host === 'localhost' || host === '::1' || /^127(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(host);

/** CONTRACT §2: no listening beyond loopback without an admin key. */
export function assertSafeBinding(cfg: PulseConfig): void {
  if (!isLoopback(cfg.host) && !cfg.apiKey) {
    throw new ConfigError(
      `refusing to listen on ${cfg.host} without ANALYTICS_API_KEY: anyone on the network could read and write ` +
        'your data. Set ANALYTICS_API_KEY, or bind to 127.0.0.1.',
    );
  }
}

/** A `notify` or route entry that is a URL (parsable or not) carries its receiver's secret: only a marker shows. */
const maskUrl = (entry: string): string => (/^\s*https?:\/\//i.test(entry) ? '[redacted]' : entry);
const maskUrls = (v: unknown): unknown =>
  typeof v === 'string' ? maskUrl(v)
    : Array.isArray(v) ? v.map(maskUrls)
      : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, maskUrls(x)])) : v;

/** The configuration as /api/config and logs may show it: secrets replaced. */
export function redactConfig(cfg: PulseConfig): Record<string, unknown> {
  const mask = (v: string | null): string | null => (v ? '[redacted]' : null);
  return {
    ...cfg,
    apiKey: mask(cfg.apiKey),
    metrics: { ...cfg.metrics, key: mask(cfg.metrics.key) },
    clickhouseUrl: cfg.clickhouseUrl ? cfg.clickhouseUrl.replace(/\/\/[^@/]*@/, '//[redacted]@') : null,
    // libpq URLs may carry the password as userinfo or as a `password=` parameter.
    postgresUrl: cfg.postgresUrl ? cfg.postgresUrl.replace(/\/\/[^@/]*@/, '//[redacted]@').replace(/([?&]password=)[^&]*/gi, '$1[redacted]') : null,
    alerts: {
      ...cfg.alerts,
      webhookUrl: mask(cfg.alerts.webhookUrl),
      discordWebhook: mask(cfg.alerts.discordWebhook),
      emailPassword: mask(cfg.alerts.emailPassword),
      pagerdutyRoutingKey: mask(cfg.alerts.pagerdutyRoutingKey),
      alertmanagerUrl: cfg.alerts.alertmanagerUrl ? cfg.alerts.alertmanagerUrl.replace(/\/\/[^@/]*@/, '//[redacted]@') : null,
      // Channel entries hold webhook URLs, routing keys and passwords: only their names and types are shown.
      channels: Object.fromEntries(Object.entries(cfg.alerts.channels).map(([name, c]) => [name, { type: (c as { type?: unknown } | null)?.type ?? null }])),
      // A route's channels may be webhook URLs (alerts/delivery/channel-config.ts); routes are kept as written.
      routes: cfg.alerts.routes.map(maskUrls),
    },
    // A report's webhook URL carries its receiver's secret (Slack and Discord put the token in the path).
    reports: cfg.reports.map((r) => ({ ...r, notify: r.notify.map(maskUrl) })),
  };
}
