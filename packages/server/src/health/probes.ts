import { request as httpRequest0 } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { HeartbeatCheckSpec, HttpCheckSpec, JsonScalar, TcpCheckSpec } from '../config/health-checks.js';
import { redactUrlQuery } from '../ops/redact-url.js';
import { executeQuery } from '../query/run.js';
import type { EventStore } from '../store/types.js';
import { HEALTH_EVENT_TYPE } from './host-sample.js';

export type HealthState = 'healthy' | 'degraded' | 'unhealthy';

/** One probe's outcome. `details` is for people; it never holds a secret (URLs are redacted). */
export interface ProbeResult {
  state: HealthState;
  responseTimeMs: number | null;
  details: string;
  /** Extra figures shown under the service in `/api/health` (status code, last event time, …). */
  extra?: Record<string, string | number | null>;
}

/** Largest answer body read to check JSON fields: a probe must not let a service fill Pulse's memory. */
const MAX_BODY_BYTES = 1024 * 1024;

const ms = (t0: number): number => Math.round((performance.now() - t0) * 10) / 10;

interface HttpAnswer {
  status: number;
  /** Null when not read (no JSON expectations) or larger than MAX_BODY_BYTES (then `tooLarge`). */
  body: string | null;
  tooLarge: boolean;
  latencyMs: number;
}

/**
 * One request on a fresh connection (`agent: false`): a probe must see the service as a new client would, not
 * through a pooled socket the service already closed. The whole exchange is bounded by the check's timeout.
 */
function httpRequest(spec: HttpCheckSpec, readBody: boolean): Promise<HttpAnswer> {
  const t0 = performance.now();
  const url = new URL(spec.url);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest0;
  return new Promise((resolve, reject) => {
    const req = send(url, { method: spec.method, headers: spec.headers, agent: false, signal: AbortSignal.timeout(spec.timeoutMs) }, (res) => {
      const latencyMs = ms(t0);
      const status = res.statusCode ?? 0;
      if (!readBody) {
        res.resume();
        resolve({ status, body: null, tooLarge: false, latencyMs });
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY_BYTES) {
          res.destroy();
          resolve({ status, body: null, tooLarge: true, latencyMs });
        } else chunks.push(c);
      });
      res.on('end', () => resolve({ status, body: Buffer.concat(chunks).toString('utf8'), tooLarge: false, latencyMs }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(spec.body ?? undefined);
  });
}

export async function probeHttp(spec: HttpCheckSpec): Promise<ProbeResult> {
  const where = `${spec.method} ${redactUrlQuery(spec.url)}`;
  const fields = Object.entries(spec.expect.json);
  let res: HttpAnswer;
  try {
    res = await httpRequest(spec, fields.length > 0);
  } catch (err) {
    const e = err as { name?: string };
    const reason = e.name === 'AbortError' || e.name === 'TimeoutError' ? `no answer within ${spec.timeoutMs} ms` : causeOf(err);
    return { state: 'unhealthy', responseTimeMs: null, details: `${where}: ${reason}` };
  }
  const latency = res.latencyMs;
  const extra = { http_status: res.status };
  const statusOk = spec.expect.status.length === 0 ? res.status >= 200 && res.status < 300 : spec.expect.status.includes(res.status);
  if (!statusOk) {
    const wanted = spec.expect.status.length === 0 ? '2xx' : spec.expect.status.join(' or ');
    return { state: 'unhealthy', responseTimeMs: latency, details: `${where}: status ${res.status}, expected ${wanted}`, extra };
  }
  if (fields.length > 0) {
    const mismatch = res.tooLarge ? `answer larger than ${MAX_BODY_BYTES} bytes` : checkJson(res.body ?? '', fields);
    if (mismatch) return { state: 'unhealthy', responseTimeMs: latency, details: `${where}: ${mismatch}`, extra };
  }
  if (spec.expect.maxLatencyMs !== null && latency > spec.expect.maxLatencyMs) {
    return { state: 'degraded', responseTimeMs: latency, details: `${where}: ${latency} ms, slower than ${spec.expect.maxLatencyMs} ms`, extra };
  }
  return { state: 'healthy', responseTimeMs: latency, details: `${where}: ${res.status}`, extra };
}

/** Compares each dotted path (`models.0.name`) of the JSON answer; returns what is wrong, or null. */
function checkJson(text: string, fields: [string, JsonScalar][]): string | null {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return `answer is not JSON (${(err as Error).message.slice(0, 80)})`;
  }
  for (const [path, want] of fields) {
    const got = path.split('.').reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), doc);
    if (got !== want) return `${path} is ${JSON.stringify(got) ?? 'missing'}, expected ${JSON.stringify(want)}`;
  }
  return null;
}

export function probeTcp(spec: TcpCheckSpec): Promise<ProbeResult> {
  const t0 = performance.now();
  const where = `${spec.host}:${spec.port}`;
  return new Promise((resolve) => {
    const socket = connect({ host: spec.host, port: spec.port });
    const done = (r: ProbeResult): void => {
      socket.destroy();
      resolve(r);
    };
    socket.setTimeout(spec.timeoutMs, () => done({ state: 'unhealthy', responseTimeMs: null, details: `${where}: no connection within ${spec.timeoutMs} ms` }));
    socket.once('error', (err) => done({ state: 'unhealthy', responseTimeMs: null, details: `${where}: ${causeOf(err)}` }));
    socket.once('connect', () => {
      const latency = ms(t0);
      const slow = spec.expect.maxLatencyMs !== null && latency > spec.expect.maxLatencyMs;
      done({ state: slow ? 'degraded' : 'healthy', responseTimeMs: latency, details: `${where}: connected${slow ? `, slower than ${spec.expect.maxLatencyMs} ms` : ''}` });
    });
  });
}

/**
 * Healthy while events of `service` keep arriving. Pulse's own `health` events carry the check's name as their
 * service; they are not heartbeats, so events are counted by type and those are left out.
 */
export async function probeHeartbeat(spec: HeartbeatCheckSpec, store: EventStore, now: number): Promise<ProbeResult> {
  const t0 = performance.now();
  // Look back further than max_age, so a stale service still shows when it was last seen.
  const lookback = Math.max(spec.maxAgeMs * 10, 86_400_000);
  const { rows } = await executeQuery(store, {
    project: spec.project,
    range: { startMs: now - lookback, endMs: now + 60_000 },
    filters: [{ field: 'service', values: [spec.service] }],
    measures: ['last_seen'],
    dimensions: ['type'],
    limit: 1000,
  });
  const last = rows.filter((r) => r.type !== HEALTH_EVENT_TYPE).reduce<number | null>((m, r) => {
    const t = typeof r.last_seen === 'number' ? r.last_seen : null;
    return t !== null && (m === null || t > m) ? t : m;
  }, null);
  const latency = ms(t0);
  const extra = { last_event: last === null ? null : new Date(last).toISOString() };
  if (last === null) return { state: 'unhealthy', responseTimeMs: latency, details: `no events of service ${spec.service} in the last ${Math.round(lookback / 3_600_000)} h`, extra };
  const age = Math.max(0, now - last);
  if (age > spec.maxAgeMs) {
    return { state: 'unhealthy', responseTimeMs: latency, details: `last event of service ${spec.service} ${Math.round(age / 1000)} s ago (max ${Math.round(spec.maxAgeMs / 1000)} s)`, extra };
  }
  return { state: 'healthy', responseTimeMs: latency, details: `last event of service ${spec.service} ${Math.round(age / 1000)} s ago`, extra };
}

/** `connect ECONNREFUSED 127.0.0.1:9` from fetch's wrapped cause, or the error's own message. */
function causeOf(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}
