import type { EventInput } from '@pulse/protocol';
import { LIMITS } from '@pulse/protocol';
import type { CardinalityGuard } from '../transport/cardinality.js';
import type { PulseClient } from '../transport/pulse-client.js';
import type { ThrottledLog } from '../transport/log.js';
import type { ActiveUsers } from './active-users.js';
import { applyContext } from './context.js';
import type { TrackContext } from './context.js';
import type { SeedMetrics } from './prom-metrics.js';
import type { SentryForwarder } from './sentry.js';

/** What the facade's parts share: identity, the transport, the metric families and their label guard. */
export class MonitoringCore {
  constructor(
    readonly service: string,
    readonly environment: string | undefined,
    readonly client: PulseClient,
    readonly metrics: SeedMetrics,
    private readonly labels: CardinalityGuard,
    readonly activeUsers: ActiveUsers,
    readonly log: ThrottledLog,
    readonly sentry: SentryForwarder | undefined,
  ) {}

  /** Ships an event with this service, environment and the ambient `withContext` fields. */
  ship(event: EventInput, ctx?: TrackContext): boolean {
    event.service ??= this.service;
    if (this.environment !== undefined) event.environment ??= this.environment;
    return this.client.track(applyContext(event, ctx));
  }

  /** A Prometheus label value: a string, bounded in length and in distinct values per label. */
  label(name: string, value: unknown): string {
    const text = typeof value === 'string' && value !== '' ? value.slice(0, 128) : value === undefined || value === null || value === '' ? 'unknown' : String(value).slice(0, 128);
    return this.labels.value(name, text);
  }

  /** Runs instrumentation code so that a bug or bad input in it never throws into the host. */
  safely(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.warn(`facade:${what}`, { err: (err as Error)?.message }, `pulse: ${what} failed`);
    }
  }
}

/** Context primitives as event attributes (at most the protocol's 32), objects as JSON strings. */
export function toAttributes(
  context: Record<string, unknown> | undefined,
  skip: ReadonlySet<string> = new Set(),
): Record<string, string | number | boolean> | undefined {
  if (!context) return undefined;
  const out: Record<string, string | number | boolean> = {};
  let n = 0;
  for (const [k, v] of Object.entries(context)) {
    if (skip.has(k) || v === undefined || v === null || typeof v === 'function') continue;
    if (n >= LIMITS.maxAttributes) break;
    const key = k.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^[^A-Za-z_]/, '_').slice(0, LIMITS.maxAttributeKeyLength);
    if (typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) out[key] = v;
    else {
      let text: string;
      try {
        text = JSON.stringify(v) ?? String(v);
      } catch {
        text = String(v);
      }
      out[key] = text.slice(0, LIMITS.maxAttributeValueLength);
    }
    n++;
  }
  return n > 0 ? out : undefined;
}
