import type { EventInput } from '@pulse/protocol';
import { Registry } from 'prom-client';
import { CardinalityGuard } from '../transport/cardinality.js';
import { ThrottledLog, defaultLogger } from '../transport/log.js';
import { PulseClient } from '../transport/pulse-client.js';
import type { ClientStats } from '../transport/types.js';
import { PhaseTimer } from '../instrument/phases.js';
import { trackFeedback, trackInteraction, trackMessage } from '../instrument/conversation.js';
import type { FeedbackInfo, InteractionInfo, MessageInfo } from '../instrument/conversation.js';
import { trackAffinity, trackBanter, trackEvolution, type AffinityInfo, type BanterInfo, type EvolutionInfo } from '../instrument/persona.js';
import type { EventSink, HttpRecorder, HttpSample, LLMCall, LLMRecorder } from '../instrument/types.js';
import { wrapAnthropic } from '../instrument/llm/anthropic.js';
import type { LLMWrapOptions } from '../instrument/llm/call.js';
import { wrapOpenAI } from '../instrument/llm/openai.js';
import type { AnthropicLike, OpenAILike } from '../instrument/llm/shapes.js';
import { ActiveUsers } from './active-users.js';
import { contextStorage } from './context.js';
import type { TrackContext } from './context.js';
import { MonitoringCore } from './core.js';
import { handleError } from './handle-error.js';
import { Alerts, JobMetrics } from './jobs.js';
import { trackKPI } from './kpi.js';
import { startMetricsHttp } from './metrics-server.js';
import type { MetricsServer } from './metrics-server.js';
import { registerSeedMetrics } from './prom-metrics.js';
import { recordHttp, recordLLM } from './record.js';
import { SentryForwarder } from './sentry.js';
import type { ErrorContext, KPI, MonitoringOptions } from './types.js';

function envFlag(value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  return !/^(false|0|no|off)$/i.test(value.trim());
}

/**
 * seed 002's `Monitoring`: local Prometheus metrics on `/metrics`, KPIs, error handling with optional
 * Sentry forwarding, queue timers and alerts — and every one of them also shipped to Pulse as an event.
 * Nothing here throws into the host after construction.
 */
export class Monitoring implements HttpRecorder, LLMRecorder, EventSink {
  readonly service: string;
  readonly environment: string | undefined;
  readonly client: PulseClient;
  /** This facade's own registry (never prom-client's global one, unless passed in). */
  readonly registry: Registry;
  readonly metrics: JobMetrics;
  readonly alerts: Alerts;
  private readonly core: MonitoringCore;
  private readonly ownsClient: boolean;
  private readonly metricsPort: number;
  private readonly metricsHost: string;
  private readonly metricsEnabled: boolean;
  private readonly started = Date.now();
  private readonly sharedFlushTimeoutMs: number;
  private readonly releaseMetrics: () => void;
  private server: Promise<MetricsServer | undefined> | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: MonitoringOptions) {
    if (typeof options?.service !== 'string' || options.service === '') throw new TypeError('Monitoring needs a service name');
    const env = options.env ?? process.env;
    this.service = options.service;
    this.environment = options.environment ?? undefined;
    const logger = options.logger ?? defaultLogger();
    this.ownsClient = options.client === undefined;
    this.sharedFlushTimeoutMs = options.shutdownTimeoutMs ?? 10_000;
    this.client = options.client ?? new PulseClient({ ...options, logger });
    this.registry = options.registry ?? new Registry();
    // An empty METRICS_PORT is unset (`Number('')` is 0: a random port Prometheus would never find).
    this.metricsPort = options.metricsPort ?? Number(env.METRICS_PORT?.trim() || 9091);
    if (!Number.isInteger(this.metricsPort) || this.metricsPort < 0 || this.metricsPort > 65535) {
      throw new RangeError(`Monitoring metricsPort must be a port number, got ${options.metricsPort ?? env.METRICS_PORT}`);
    }
    this.metricsHost = options.metricsHost ?? '0.0.0.0';
    this.metricsEnabled = options.enableMetrics ?? envFlag(env.ENABLE_METRICS) ?? true;
    const now = options.now ?? Date.now;
    const activeUsers = new ActiveUsers(options.activeUserWindowMs ?? 5 * 60_000, now);
    const { metrics: families, release } = registerSeedMetrics(this.registry, {
      service: this.service,
      activeUsers: () => activeUsers.count(),
      defaultMetrics: options.defaultMetrics ?? true,
    });
    this.releaseMetrics = release;
    const dsn = options.sentryDsn ?? (envFlag(env.SENTRY_ENABLED) === false ? undefined : env.SENTRY_DSN || undefined);
    const sentry = dsn
      ? new SentryForwarder(dsn, this.environment, logger, options.sentry ? async () => options.sentry as NonNullable<typeof options.sentry> : undefined)
      : undefined;
    const labels = new CardinalityGuard(options.maxLabelValues ?? 200);
    this.core = new MonitoringCore(this.service, this.environment, this.client, families, labels, activeUsers, new ThrottledLog(logger), sentry);
    this.metrics = new JobMetrics(this.core);
    this.alerts = new Alerts(this.core);
  }

  /**
   * Serves `/metrics` and `/health` on `metricsPort` (default `METRICS_PORT` or 9091). Resolves with the
   * address, or undefined when metrics are disabled, the facade is shut down, or the port cannot be bound
   * (logged, never thrown: a taken port must not take the host down). Calling it again returns the same
   * server; after a failed start it tries again (the port may have been freed since).
   */
  startMetricsServer(): Promise<MetricsServer | undefined> {
    if (!this.metricsEnabled || this.closing) return Promise.resolve(undefined);
    if (this.server) return this.server;
    const starting: Promise<MetricsServer | undefined> = startMetricsHttp(this.registry, this.metricsPort, this.metricsHost, () => ({
      service: this.service,
      uptime_s: Math.round((Date.now() - this.started) / 1000),
    })).catch((err: unknown) => {
      this.core.log.warn('metrics_server', { port: this.metricsPort, err: (err as Error).message }, 'pulse: metrics server not started');
      if (this.server === starting) this.server = undefined;
      return undefined;
    });
    this.server = starting;
    return starting;
  }

  trackKPI(kpi: KPI): void {
    this.core.safely('trackKPI', () => trackKPI(this.core, kpi));
  }

  handleError(error: unknown, context?: ErrorContext): void {
    this.core.safely('handleError', () => handleError(this.core, error, context));
  }

  /** Any event of the contract, with this service, environment and the ambient context filled in. */
  track(event: EventInput): boolean {
    try {
      return this.core.ship({ ...event });
    } catch {
      return false;
    }
  }

  /** Runs `fn` with `ctx` (user, session, persona, channel, guild) applied to everything tracked inside. */
  withContext<R>(ctx: TrackContext, fn: () => R): R {
    return contextStorage.run({ ...contextStorage.getStore(), ...ctx }, fn);
  }

  /** A phase timer for seed 001's response-time breakdown. */
  phases(): PhaseTimer {
    return new PhaseTimer(this);
  }

  trackMessage(message: MessageInfo): void {
    this.core.safely('trackMessage', () => trackMessage(this, message));
  }

  trackFeedback(feedback: FeedbackInfo): void {
    this.core.safely('trackFeedback', () => trackFeedback(this, feedback));
  }

  trackInteraction(interaction: InteractionInfo): void {
    this.core.safely('trackInteraction', () => trackInteraction(this, interaction));
  }

  /** Persona ↔ persona banter with its affinity and stage (seed 001's relationship matrix). */
  trackBanter(banter: BanterInfo): void {
    this.core.safely('trackBanter', () => trackBanter(this, banter));
  }

  /** A persona's current affinity with a user (seed 001's relationship levels). */
  trackAffinity(affinity: AffinityInfo): void {
    this.core.safely('trackAffinity', () => trackAffinity(this, affinity));
  }

  /** Persona progression: XP gained, a new level, a milestone, an unlocked trait. */
  trackEvolution(evolution: EvolutionInfo): void {
    this.core.safely('trackEvolution', () => trackEvolution(this, evolution));
  }

  /** @internal EventSink for phase timers and conversation helpers. */
  ship(event: EventInput, ctx?: TrackContext): boolean {
    return this.core.ship(event, ctx);
  }

  /** HttpRecorder for the middlewares. */
  recordHttp(sample: HttpSample): void {
    this.core.safely('recordHttp', () => recordHttp(this.core, sample));
  }

  /** LLMRecorder for the model-call wrappers. */
  recordLLM(call: LLMCall): void {
    this.core.safely('recordLLM', () => recordLLM(this.core, call));
  }

  /** `client` with `chat.completions.create` measured (see wrapOpenAI). */
  wrapOpenAI<T extends OpenAILike>(client: T, options?: LLMWrapOptions): T {
    return wrapOpenAI(client, this, options);
  }

  /** `client` with `messages.create` measured (see wrapAnthropic). */
  wrapAnthropic<T extends AnthropicLike>(client: T, options?: LLMWrapOptions): T {
    return wrapAnthropic(client, this, options);
  }

  stats(): ClientStats {
    return this.client.stats();
  }

  /**
   * Flushes everything tracked (the transport's own shutdown, or a flush of a shared client), flushes
   * Sentry, closes the metrics server, then stops the default metrics' event-loop and GC monitors and
   * takes this instance's metrics out of the registry (a new instance may register on it). Idempotent.
   */
  shutdown(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await (this.ownsClient ? this.client.shutdown() : this.client.flush(this.sharedFlushTimeoutMs));
        await this.core.sentry?.flush(2000);
        const server = await this.server;
        await server?.close();
      } finally {
        this.releaseMetrics();
      }
    })();
    return this.closing;
  }
}
