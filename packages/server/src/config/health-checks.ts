import { z } from 'zod';

/** A scalar a JSON field of an HTTP check's answer must equal. */
export type JsonScalar = string | number | boolean | null;

interface CheckBase {
  /** Unique; the key under `services` in `/api/health` and the path of `/api/health/{name}`. */
  name: string;
  intervalMs: number;
  /** A probe taking longer counts as failed (never longer than the interval). */
  timeoutMs: number;
  /** The project the check's status-change events are written to (default `default`). */
  project: string;
}

export interface HttpCheckSpec extends CheckBase {
  type: 'http';
  url: string;
  method: 'GET' | 'HEAD' | 'POST';
  /** Request headers (e.g. an Authorization for the probed service): secrets, shown as `***` by /api/config. */
  headers: Record<string, string>;
  body: string | null;
  expect: {
    /** Acceptable statuses; empty: any 2xx. */
    status: number[];
    /** Slower (but otherwise good) answers make the service `degraded`. */
    maxLatencyMs: number | null;
    /** Dotted paths into the JSON answer (`models.0.name`) and the value each must equal. */
    json: Record<string, JsonScalar>;
  };
}

export interface TcpCheckSpec extends CheckBase {
  type: 'tcp';
  host: string;
  port: number;
  expect: { maxLatencyMs: number | null };
}

export interface HeartbeatCheckSpec extends CheckBase {
  type: 'heartbeat';
  /** Healthy while events with this `service` keep arriving in `project`. */
  service: string;
  /** Stale beyond this (default 3 intervals): unhealthy. */
  maxAgeMs: number;
}

export type HealthCheckSpec = HttpCheckSpec | TcpCheckSpec | HeartbeatCheckSpec;

/** `30s`, `500ms`, `2m`, `1h`, or a number of seconds. */
const duration = z.union([z.number().positive(), z.string().regex(/^\d+(\.\d+)?\s*(ms|s|m|h)$/, 'must be a duration such as 500ms, 30s, 2m or 1h')])
  .transform((v) => {
    if (typeof v === 'number') return Math.round(v * 1000);
    const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/.exec(v)!;
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
    return Math.round(Number(m[1]) * unit);
  })
  .refine((ms) => ms >= 100 && ms <= 86_400_000, 'must be between 100ms and 24h');

const NAME = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
const base = {
  name: z.string().regex(NAME, `must match ${NAME.source}`).refine((n) => n !== 'store', '"store" is the built-in check of Pulse\'s own store'),
  interval: duration.optional(),
  timeout: duration.optional(),
  project: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/).optional(),
};
const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const httpSchema = z.object({
  ...base,
  type: z.literal('http'),
  url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
  method: z.enum(['GET', 'HEAD', 'POST']).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.string().optional(),
  expect: z.object({
    status: z.union([z.number().int().min(100).max(599), z.array(z.number().int().min(100).max(599)).min(1)]).optional(),
    max_latency: duration.optional(),
    json: z.record(z.string().min(1), scalar).optional(),
  }).strict().optional(),
}).strict();

const tcpSchema = z.object({
  ...base,
  type: z.literal('tcp'),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  expect: z.object({ max_latency: duration.optional() }).strict().optional(),
}).strict();

const heartbeatSchema = z.object({
  ...base,
  type: z.literal('heartbeat'),
  service: z.string().min(1).max(128),
  max_age: duration.optional(),
}).strict();

/** YAML `health_checks:` (CONTRACT §9). */
export const healthChecksSchema = z.array(z.discriminatedUnion('type', [httpSchema, tcpSchema, heartbeatSchema]))
  .superRefine((checks, ctx) => {
    const seen = new Set<string>();
    checks.forEach((c, i) => {
      if (seen.has(c.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `"${c.name}" is used twice` });
      seen.add(c.name);
    });
  });

const DEFAULT_INTERVAL_MS = 30_000;
const DEFAULT_TIMEOUT_MS = 5_000;

/** Parsed YAML → specs with every default applied. */
export function healthCheckSpecs(raw: z.infer<typeof healthChecksSchema> | undefined): HealthCheckSpec[] {
  return (raw ?? []).map((c): HealthCheckSpec => {
    const intervalMs = c.interval ?? DEFAULT_INTERVAL_MS;
    const common = { name: c.name, intervalMs, timeoutMs: Math.min(c.timeout ?? DEFAULT_TIMEOUT_MS, intervalMs), project: c.project ?? 'default' };
    switch (c.type) {
      case 'http': {
        const status = c.expect?.status;
        return {
          ...common, type: 'http', url: c.url, method: c.method ?? 'GET', headers: { ...c.headers }, body: c.body ?? null,
          expect: {
            status: status === undefined ? [] : Array.isArray(status) ? status : [status],
            maxLatencyMs: c.expect?.max_latency ?? null,
            json: { ...c.expect?.json },
          },
        };
      }
      case 'tcp':
        return { ...common, type: 'tcp', host: c.host, port: c.port, expect: { maxLatencyMs: c.expect?.max_latency ?? null } };
      case 'heartbeat':
        return { ...common, type: 'heartbeat', service: c.service, maxAgeMs: c.max_age ?? 3 * intervalMs };
    }
  });
}
