import type { EventInput } from '@pulse/protocol';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { HealthCheckSpec } from '../config/health-checks.js';
import type { Enricher } from '../ingest/enrich/enrich.js';
import { prepareEvents } from '../ingest/pipeline.js';
import type { WriteBuffer } from '../ingest/write-buffer.js';
import type { EventStore } from '../store/types.js';
import type { BackgroundTasks } from '../tasks/background-tasks.js';
import { HEALTH_EVENT_TYPE } from './host-sample.js';
import { probeHeartbeat, probeHttp, probeTcp, type HealthState, type ProbeResult } from './probes.js';
import { probeStore, STORE_CHECK } from './store-check.js';

export type ServiceStatus = HealthState | 'unknown';

export interface HealthSample {
  at: string;
  status: HealthState;
  response_time_ms: number | null;
}

/** One service under `services` in `/api/health` (seed 001's shape plus Pulse's own fields). */
export interface ServiceHealth {
  status: ServiceStatus;
  type: string;
  response_time_ms: number | null;
  last_check: string | null;
  /** When the status last changed (null: not since start). */
  since: string | null;
  details: string;
  interval_seconds: number;
  /** Newest last; at most HISTORY entries. */
  history: HealthSample[];
  [extra: string]: unknown;
}

export type CheckSpec = HealthCheckSpec | typeof STORE_CHECK;

interface Entry {
  spec: CheckSpec;
  health: ServiceHealth;
  stop: () => void;
  /** The fields the last probe added to `health`. */
  extraKeys: string[];
  /** When a probe last found the service healthy (seed 001's `last_successful_check` of a health alert). */
  lastSuccess: string | null;
}

const HISTORY = 60;
/** Names are already safe (config/health-checks.ts: a-z, 0-9, `_`, `.`, `-`) and unique: written as they are. */
const taskName = (check: string): string => `health-check-${check}`;

export interface HealthRegistryDeps {
  store: EventStore;
  buffer: WriteBuffer;
  tasks: BackgroundTasks;
  enricher: Enricher;
  clock: Clock;
  logger: Pick<Logger, 'warn' | 'info'>;
  /** The write queue bound: a fuller queue makes the store check `degraded`. */
  maxQueuedEvents: number;
}

/**
 * The health checks of `health_checks:` plus the built-in `store` check, each a periodic task on the
 * BackgroundTasks registry with its own timeout and a short history. A status change is written as a
 * `health` event through the normal write path (host-sample.ts's convention), so alert rules and the
 * dashboard use it like any event. The first result after start is written only when it is not healthy.
 */
export class HealthRegistry {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly deps: HealthRegistryDeps) {}

  /** (Re)loads the configured checks: removed ones stop, new ones start, kept names keep their history. */
  load(specs: readonly HealthCheckSpec[]): void {
    const wanted = new Map<string, CheckSpec>([[STORE_CHECK.name, STORE_CHECK], ...specs.map((s) => [s.name, s] as const)]);
    for (const [name, entry] of this.entries) {
      if (!wanted.has(name)) {
        entry.stop();
        this.entries.delete(name);
      }
    }
    for (const [name, spec] of wanted) {
      const old = this.entries.get(name);
      if (old && JSON.stringify(old.spec) === JSON.stringify(spec)) continue;
      old?.stop();
      const health: ServiceHealth = old?.health ?? {
        status: 'unknown', type: spec.type, response_time_ms: null, last_check: null, since: null,
        details: 'not checked yet', interval_seconds: spec.intervalMs / 1000, history: [],
      };
      health.type = spec.type;
      health.interval_seconds = spec.intervalMs / 1000;
      const entry: Entry = { spec, health, stop: () => undefined, extraKeys: [], lastSuccess: old?.lastSuccess ?? null };
      entry.stop = this.deps.tasks.schedule({
        name: taskName(name),
        description: `health check ${name} (${spec.type})`,
        intervalMs: spec.intervalMs,
        // The first probe runs at once, so /api/health has answers soon after start or reload.
        firstDelayMs: 0,
        run: () => this.check(entry),
      });
      this.entries.set(name, entry);
    }
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  get(name: string): ServiceHealth | null {
    return this.entries.get(name)?.health ?? null;
  }

  all(): Record<string, ServiceHealth> {
    return Object.fromEntries([...this.entries].map(([name, e]) => [name, e.health]));
  }

  /** Runs one check now (after a run in progress) — for tests and operators. */
  async runNow(name: string): Promise<ServiceHealth> {
    if (!this.entries.has(name)) throw new Error(`no health check named ${name}`);
    await this.deps.tasks.runNow(taskName(name));
    return this.entries.get(name)!.health;
  }

  private async check(entry: Entry): Promise<void> {
    const result = await this.probe(entry.spec);
    if (this.entries.get(entry.spec.name) !== entry) return; // reloaded meanwhile
    const now = this.deps.clock.now();
    const at = new Date(now).toISOString();
    const h = entry.health;
    const previous = h.status;
    h.status = result.state;
    h.response_time_ms = result.responseTimeMs;
    h.last_check = at;
    h.details = result.details;
    // A probe's own fields (http_status, last_event) are this probe's: one that has none (a refused connection) clears
    // what an earlier one left.
    for (const k of entry.extraKeys) if (!(k in (result.extra ?? {}))) delete h[k];
    entry.extraKeys = Object.keys(result.extra ?? {});
    for (const [k, v] of Object.entries(result.extra ?? {})) h[k] = v;
    h.history.push({ at, status: result.state, response_time_ms: result.responseTimeMs });
    if (h.history.length > HISTORY) h.history.splice(0, h.history.length - HISTORY);
    const lastSuccess = entry.lastSuccess;
    if (result.state === 'healthy') entry.lastSuccess = at;
    if (previous === result.state || (previous === 'unknown' && result.state === 'healthy')) return;
    h.since = at;
    if (previous !== 'unknown') this.deps.logger.warn({ check: entry.spec.name, from: previous, to: result.state, details: result.details }, 'health status changed');
    await this.record(entry.spec, previous, result, now, result.state === 'healthy' ? at : lastSuccess);
  }

  /** Every probe is bounded twice: by its own timeout, and here, so a stuck probe never stalls its task. */
  private probe(spec: CheckSpec): Promise<ProbeResult> {
    const now = this.deps.clock.now();
    const run = ((): Promise<ProbeResult> => {
      switch (spec.type) {
        case 'http': return probeHttp(spec);
        case 'tcp': return probeTcp(spec);
        case 'heartbeat': return probeHeartbeat(spec, this.deps.store, now);
        case 'store': return probeStore(this.deps, spec.timeoutMs);
      }
    })().catch((err: unknown): ProbeResult => ({ state: 'unhealthy', responseTimeMs: null, details: `check failed: ${(err as Error).message ?? String(err)}` }));
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<ProbeResult>((resolve) => {
      timer = setTimeout(() => resolve({ state: 'unhealthy', responseTimeMs: null, details: `check did not finish within ${spec.timeoutMs} ms` }), spec.timeoutMs + 250);
    });
    return Promise.race([run, limit]).finally(() => clearTimeout(timer));
  }

  /** The status change as a `health` event, through the write path (validated, enriched, committed, fanned out). */
  private async record(spec: CheckSpec, previous: ServiceStatus, result: ProbeResult, now: number, lastSuccess: string | null): Promise<void> {
    const raw: EventInput = {
      type: HEALTH_EVENT_TYPE,
      name: spec.name,
      service: spec.name,
      ts: now,
      // `ok` whatever the state: a probe's failure is not the project's error, and must not raise its error rate
      // (the live System overview and error-rate rules read `status`); the state is in `attributes.state`.
      status: 'ok',
      severity: result.state === 'unhealthy' ? 'high' : result.state === 'degraded' ? 'medium' : 'info',
      attributes: { state: result.state, previous, check_type: spec.type, ...(lastSuccess === null ? {} : { last_success: lastSuccess }) },
      ...(result.responseTimeMs === null ? {} : { duration_ms: result.responseTimeMs }),
      ...(result.state === 'healthy' ? {} : { error_message: result.details.slice(0, 1000) }),
    };
    const project = spec.type === 'store' ? 'default' : spec.project;
    const { events } = prepareEvents([raw], project, now, this.deps.enricher, false);
    try {
      await this.deps.buffer.submit({ events });
    } catch (err) {
      // The store check going unhealthy is often why this fails; the status is still served by /api/health.
      this.deps.logger.warn({ err, check: spec.name }, 'could not record the health status change');
    }
  }

  /** Stops every check (runs in progress finish). */
  close(): void {
    for (const e of this.entries.values()) e.stop();
    this.entries.clear();
  }
}
