import type { DuckDbHandle } from './store/duckdb/open.js';
import type { StoreRestarts } from './ops/parts.js';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { systemClock, type Clock } from './clock.js';
import { assertSafeBinding, loadConfig, type Env } from './config/load.js';
import type { PulseConfig } from './config/types.js';
import { FanOut } from './fanout/fanout.js';
import { createApp } from './http/app.js';
import { createEnricher } from './ingest/enrich/enrich.js';
import { createPricing } from './ingest/enrich/pricing.js';
import { WriteBuffer } from './ingest/write-buffer.js';
import { MetricsHub } from './live/metrics-hub.js';
import { TailHub } from './live/tail-hub.js';
import { createPulseMetrics, type PulseMetrics } from './metrics/pulse-metrics.js';
import { createLogger } from './logger.js';
import { ProjectSettingsCache } from './projects/project-settings.js';
import { openStores } from './store/open-stores.js';
import { retentionTask } from './store/retention.js';
import { rollupTask } from './rollups/task.js';
import { userRollupTask } from './analytics/user-rollups/task.js';
import { BackgroundTasks } from './tasks/background-tasks.js';
import { ExportJobs } from './export/jobs.js';
import type { AlertEngine } from './alerts/engine/engine.js';
import { loggingNotifier, startAlerting, staticRules } from './alerts/setup.js';
import type { Notifier } from './alerts/types.js';
import type { DeliveryNotifier } from './alerts/delivery/notifier.js';
import { startDelivery } from './alerts/delivery/setup.js';
import { ChannelReportSender, periodAlerts } from './reports/channel-sender.js';
import { notifyProblem } from './alerts/rules/notify-check.js';
import { ReportRunner } from './reports/runner.js';
import type { HostSampler } from './health/host-sample.js';
import type { EventStore, MetaStore } from './store/types.js';
import { HealthRegistry } from './health/registry.js';
import type { OpsParts } from './ops/parts.js';
import { SystemHostSampler } from './health/host-sampler.js';
import { QueryRate } from './health/system-report.js';
import { systemSampleTask } from './health/system-routes.js';
import { ErrorLog } from './ops/error-log.js';
import { CpuProfiler } from './ops/profiler.js';
import { pgCluster } from './cluster/pg-cluster.js';
import { singleInstance } from './cluster/single.js';
import type { Cluster } from './cluster/types.js';
import { ReloadHooks, type ReloadHook, type ReloadOutcome } from './ops/reload.js';
import { LocalIdempotencyClaims, type IdempotencyClaims } from './ingest/idempotency-claims.js';
import { PgIdempotencyClaims } from './store/postgres/idempotency-claims.js';

export interface StartOptions extends Partial<PulseConfig> {
  /** Environment to read (the CLI passes process.env; programmatic use defaults to none, i.e. pure defaults). */
  env?: Env;
  clock?: Clock;
  logger?: Logger;
  /** Delivery of alert notifications (alerts/delivery); default: log them. */
  notifier?: Notifier;
  /** The host's CPU/memory/disk for `resource` alert rules (the operations feature's sampler). */
  hostSampler?: HostSampler;
  /** Earlier restarts of the server in this process (supervise.ts passes them on), shown by `/api/system`. */
  restarts?: StoreRestarts;
}

export interface RunningPulse {
  url: string;
  config: PulseConfig;
  app: FastifyInstance;
  store: EventStore;
  meta: MetaStore;
  buffer: WriteBuffer;
  /** Every committed batch goes through it to the live windows, the tail and (later) metrics and alerts. */
  fanout: FanOut;
  metricsHub: MetricsHub;
  tailHub: TailHub;
  /** Periodic background work (retention, and later alert evaluation, health checks, rollups, reports). */
  tasks: BackgroundTasks;
  /** The other instances (with PULSE_POSTGRES_URL): leadership, changes they announce, their live events. */
  cluster: Cluster;
  exports: ExportJobs;
  /** `GET /metrics`'s registry; `metrics.alerts` is where the alert engine and notifier report (docs/prometheus.md). */
  metrics: PulseMetrics;
  /** The alert engine (rules, lifecycle, silences); `alerts.stats` for metrics. */
  alerts: AlertEngine;
  /** Where the engine's notifications go: `delivery`, or the `notifier` passed in StartOptions. */
  notifier: Notifier;
  /** Channels, routing, retries and delivery records (alerts/delivery); null when a notifier was passed in. */
  delivery: DeliveryNotifier | null;
  /** Health checks, system figures, operator endpoints (ops/). */
  ops: OpsParts;
  /** Re-reads the configuration file and runs the reload hooks (what SIGUSR2 does). Never throws. */
  reload(): Promise<ReloadOutcome>;
  /** Registers `fn` to run with the new configuration on every reload (e.g. the alert engine's rules). */
  onReload(name: string, fn: ReloadHook): () => void;
  /**
   * The embedded DuckDB file's handle (null when nothing is kept in DuckDB: ClickHouse events, PostgreSQL metadata).
   * Its `onFatal` tells when DuckDB has invalidated the file (a fatal error such as a checkpoint running out of
   * memory): the store then fails every read and write until the file is opened again, and supervise.ts restarts the
   * server.
   */
  duckdb: DuckDbHandle | null;
  /** Stops accepting, commits what was accepted, closes the store. Idempotent. */
  close(): Promise<void>;
}

/** How long an idempotency claim outlives its holder's last renewal (store/postgres/idempotency-claims.ts). */
const CLAIM_LEASE_MS = 10_000;

/** Opens the stores, builds the app and listens. `npm start` → `pulse serve` → this. */
export async function startPulse(opts: StartOptions = {}): Promise<RunningPulse> {
  const { env, clock: clockOpt, logger: loggerOpt, notifier: notifierOpt, hostSampler, restarts, ...overrides } = opts;
  const config = loadConfig({ env: env ?? { LOG_LEVEL: 'warn' }, overrides });
  assertSafeBinding(config);
  const clock = clockOpt ?? systemClock;
  const logger = loggerOpt ?? createLogger(config.logLevel);
  if (config.dataDir !== ':memory:') mkdirSync(config.dataDir, { recursive: true });
  // Events in the embedded file or ClickHouse; the meta parts there too, or in PostgreSQL (store/open-stores.ts).
  const stores = await openStores(config, { onError: (err, what) => logger.error({ err }, what) });
  const { store, meta } = stores;
  stores.duckdb?.onFatal((err) => logger.error({ err }, 'DuckDB invalidated the database: every read and write fails until the file is opened again'));
  // Several instances share PostgreSQL: one is elected to run the work that must run once (cluster/).
  const cluster: Cluster = stores.postgres !== null
    ? pgCluster({
      postgres: stores.postgres, instance: config.instanceId,
      onError: (err, what) => logger.error({ err }, what),
      onLog: (message, fields) => logger.info(fields, message),
    })
    : singleInstance(config.instanceId);
  const leadership = cluster.leadership;
  // Work on the events is the leader's only when the event store is shared; the embedded file is each instance's own.
  const sharedEvents = config.store !== 'duckdb';
  // Idempotent retries may land on any instance when the events are shared: the attempts take turns through a claim in
  // PostgreSQL. A waiting retry waits for a live holder's commit (bounded by the commit timeout) or a dead one's lease.
  const idempotencyClaims: IdempotencyClaims = sharedEvents && stores.postgres !== null
    ? new PgIdempotencyClaims({
      db: stores.postgres.db, instance: config.instanceId, leaseMs: CLAIM_LEASE_MS, waitMs: config.limits.commitTimeoutMs + CLAIM_LEASE_MS,
      onError: (err, what) => logger.error({ err }, what),
      onLog: (message, fields) => logger.warn(fields, message),
    })
    // In-process, a retry waits for the holder's commit as long as the commit time limit at most, then gets 503 with
    // Retry-After: a commit stalled past the limit (a hung fsync) keeps the key until it settles, and nothing hangs.
    : new LocalIdempotencyClaims({ waitMs: config.limits.commitTimeoutMs });
  const startedAtMs = clock.now();
  const storeRestarts: StoreRestarts = restarts ?? { count: 0, last: null };
  const errors = new ErrorLog(() => clock.now());
  const fanout = new FanOut({ onError: (subscriber, err) => logger.error({ err, subscriber }, 'fan-out subscriber failed') });
  // Created before the buffer (which reports each append to it); its sources are read only at scrape time.
  let metrics: PulseMetrics | null = null;
  const buffer = new WriteBuffer({
    onAppend: (events, seconds, ok) => metrics?.self.append(events, seconds, ok),
    sink: fanout,
    store,
    flushMaxEvents: config.ingest.flushMaxEvents,
    flushIntervalMs: config.ingest.flushIntervalMs,
    maxQueuedEvents: config.ingest.maxQueuedEvents,
    commitTimeoutMs: config.limits.commitTimeoutMs,
    onError: (err) => {
      errors.record('write-buffer', err);
      logger.error({ err }, 'write buffer');
    },
  });
  const enricher = createEnricher({ pricing: createPricing(config.pricing) });
  const projects = new ProjectSettingsCache(config, meta, () => clock.now());
  const metricsHub = new MetricsHub({
    store, fanout, clock, logger, startedAtMs, intervalMs: config.live.intervalMs,
    betweenCommits: (fn) => buffer.betweenCommits(fn),
  });
  const tailHub = new TailHub({ fanout, clock });
  // The live views and the leader's event rules also get what the other instances commit (cluster/pg-live-feed.ts).
  const liveFeed = cluster.liveFeed;
  if (liveFeed !== null) {
    fanout.subscribe('cluster-live-feed', (batch) => liveFeed.publish(batch), { maxQueuedEvents: 200_000 });
    liveFeed.onRemote((batch) => fanout.publishRemote(batch));
  }
  cluster.changes.on('projects', () => projects.clear());
  const tasks = new BackgroundTasks({ clock, logger, leadership });
  const exportsDir = config.dataDir === ':memory:' ? join(tmpdir(), `pulse-exports-${process.pid}`) : join(config.dataDir, 'exports');
  const exports = new ExportJobs({
    store, jobs: stores.exportJobs, dir: exportsDir, clock, logger,
    limits: { maxPending: config.limits.exportMaxPending, maxStorageBytes: config.limits.exportMaxStorageBytes, minFreeBytes: config.limits.exportMinFreeBytes },
  });
  metrics = createPulseMetrics({ buffer, fanout, metricsHub, tailHub, tasks, cluster, clock, restarts: storeRestarts, maxSeriesPerFamily: config.metrics.maxSeriesPerFamily, kpi: config.metrics.kpi });
  const health = new HealthRegistry({ store, buffer, tasks, enricher, clock, logger, maxQueuedEvents: config.ingest.maxQueuedEvents });
  const ops: OpsParts = {
    health, startedAtMs, lastBackup: null, queryRate: new QueryRate(), errors,
    profiler: new CpuProfiler(() => clock.now()), reload: new ReloadHooks(),
    host: new SystemHostSampler({ dataDir: config.dataDir === ':memory:' ? process.cwd() : config.dataDir, now: () => clock.now() }),
    restarts: storeRestarts,
  };
  const stopLive = (): void => {
    metrics?.close();
    metricsHub.close();
    tailHub.close();
  };
  let app: FastifyInstance;
  let delivery: DeliveryNotifier | null = null;
  let notifier: Notifier = notifierOpt ?? loggingNotifier(logger);
  let externalUrl = '';
  let alerting: Awaited<ReturnType<typeof startAlerting>> | null = null;
  try {
    const alertMetrics = metrics?.alerts ?? null;
    if (!notifierOpt) {
      notifier = delivery = await startDelivery({
        config, store: stores.deliveries, clock, logger, tasks,
        ...(alertMetrics ? { onAttempt: (type: string, outcome: string) => alertMetrics.delivery(type, outcome) } : {}),
      });
    }
    if (delivery !== null && config.reports.length > 0) {
      const channels = delivery;
      for (const report of config.reports) {
        for (const entry of report.notify) {
          const problem = notifyProblem(entry, channels.channelNames());
          if (problem !== null) logger.warn({ report: report.name }, `report ${report.name}: notify ${problem}`);
        }
      }
      tasks.schedule({
        ...new ReportRunner({
          specs: config.reports, store, runs: stores.reportRuns, clock, logger,
          sender: new ChannelReportSender({ channelsFor: (entries) => channels.channelsFor(entries) }),
          alerts: periodAlerts(stores.alerts),
        }).task(),
        leaderOnly: true,
      });
    }
    alerting = await startAlerting({
      config, store, alertStore: stores.alerts, fanout, tasks, clock, logger, notifier, sampler: hostSampler ?? ops.host,
      externalUrl: () => externalUrl, metrics: alertMetrics, isLeader: () => leadership.isLeader(),
    });
    // A new leader takes over what the previous one persisted (alerts, groups: nothing sent is sent again); every
    // instance follows rule, silence and alert changes made elsewhere.
    const engine = alerting.engine;
    leadership.beforeLeading(() => engine.refresh(['rules', 'silences', 'alerts']));
    // Then, before anything it evaluates, the leader sends what a previous run or leader left unfinished (the outbox).
    const resume = (): Promise<void> => engine.resumeNotifications().catch((err: unknown) => logger.error({ err }, 'resending unfinished alert notifications'));
    // One that stops leading (its session lost) but lives on drops what it has not started sending: a firing held for
    // a retry could otherwise arrive after the new leader's resolution, and the rest twice (the outbox keeps them all).
    leadership.onChange((leader) => (leader ? void resume() : engine.abandonNotifications()));
    cluster.changes.on('alert_rules', () => void engine.refresh(['rules']).catch((err: unknown) => logger.error({ err }, 'reloading alert rules')));
    cluster.changes.on('alert_silences', () => void engine.refresh(['silences']).catch((err: unknown) => logger.error({ err }, 'reloading silences')));
    cluster.changes.on('alerts', () => void engine.refresh(['alerts']).then(resume, (err: unknown) => logger.error({ err }, 'reloading alerts')));
    // The default project's live window is seeded before listening, so the first dashboard opens at once.
    await metricsHub.window('default', []);
    await exports.start();
    await leadership.start();
    app = await createApp({ config, store, meta, userRollups: stores.userRollups, clock, logger, buffer, enricher, projects, metricsHub, tailHub, tasks, exports, metrics, ops, idempotencyClaims,
      alerting: { engine: alerting.engine, alertStore: stores.alerts, notifier, clock }, deliveries: stores.deliveries, reportRuns: stores.reportRuns });
  } catch (err) {
    await tasks.close();
    await alerting?.stop();
    stopLive();
    await exports.close();
    await cluster.close();
    await stores.close();
    throw err;
  }
  if (!config.apiKey) {
    logger.warn('ANALYTICS_API_KEY is not set: no authentication, listening on loopback only');
  }
  const archiveDir = config.archive && config.dataDir !== ':memory:' ? join(config.dataDir, 'archive') : null;
  tasks.schedule({
    ...retentionTask({
      store, clock, retentionDays: config.retentionDays, logger, archiveDir,
      rollupRetentionDays: config.rollupRetentionDays, dailyRetentionDays: config.dailyRetentionDays, userRollups: stores.userRollups,
      idempotencyClaims,
    }),
    leaderOnly: sharedEvents,
  });
  if (store.rollups) tasks.schedule({ ...rollupTask({ rollups: store.rollups, logger }), leaderOnly: sharedEvents });
  if (stores.userRollups) tasks.schedule({ ...userRollupTask({ userRollups: stores.userRollups, logger }), leaderOnly: sharedEvents });
  tasks.schedule(exports.cleanupTask(config.exportRetentionDays));
  // Export jobs left by an instance that died are run by the leader (each instance resumes its own at start).
  if (cluster.mode === 'postgres') tasks.schedule(exports.resumeTask());
  try {
    await app.listen({ host: config.host, port: config.port });
    health.load(config.healthChecks);
    tasks.schedule(systemSampleTask({ store, clock, ops }));
    ops.reload.add('health-checks', (next) => {
      health.load(next.healthChecks);
      config.healthChecks = next.healthChecks;
    });
    const rules = alerting;
    // Invalid rules refuse the whole file before anything (the health checks) is applied.
    ops.reload.add('alert-rules', (next) => rules.reload(next), (next) => void staticRules(next));
  } catch (err) {
    await tasks.close();
    await exports.close();
    await alerting.stop();
    stopLive();
    await buffer.close();
    await cluster.close();
    await stores.close();
    throw err;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      try {
        await closeParts();
      } finally {
        // Whatever failed before, the file is released: a restart (supervise.ts) opens it again in this process.
        await stores.close();
      }
    })());
  const closeParts = async (): Promise<void> => {
    await ops.profiler.stop();
    // app.close() waits for in-flight requests (which wait for their commit) and closes WebSockets.
    // It closes only the connections idle when it starts; a keep-alive connection whose request was in
    // flight then would hold the close for the whole keep-alive timeout, so idle ones are swept until done.
    const closeApp = async (): Promise<void> => {
      const sweep = setInterval(() => app.server.closeIdleConnections(), 50);
      try {
        await app.close();
      } finally {
        clearInterval(sweep);
      }
    };
    // The server stops taking requests at once, while the background runs in progress (a rollup catching up may take
    // a while) finish: waiting for them first kept acknowledging new requests all that time. Both end before the buffer.
    const [tasksClosed, appClosed] = await Promise.allSettled([tasks.close(), closeApp()]);
    for (const settled of [tasksClosed, appClosed]) if (settled.status === 'rejected') throw settled.reason;
    await ops.host.close();
    await buffer.close();
    await idempotencyClaims.close();
    await exports.close();
    stopLive();
    await alerting.stop();
    await notifier.close();
    await cluster.close();
  };
  externalUrl = `http://${host}:${port}`;
  const reload = async (): Promise<ReloadOutcome> => {
    let next: PulseConfig;
    try {
      next = loadConfig({ env: env ?? { LOG_LEVEL: 'warn' }, overrides });
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      logger.error({ error }, 'reload: the configuration was not applied');
      return { ok: false, error, health_checks: config.healthChecks.length };
    }
    const { applied, results } = await ops.reload.run(next);
    const failed = results.filter((r) => r.error !== null);
    if (!applied) {
      const error = failed.map((f) => `${f.name}: ${f.error}`).join('; ');
      logger.error({ error }, 'reload: the configuration was not applied');
      return { ok: false, error, health_checks: config.healthChecks.length };
    }
    for (const f of failed) logger.error({ hook: f.name, error: f.error }, 'reload hook failed');
    logger.info({ hooks: results.map((r) => r.name), healthChecks: next.healthChecks.length }, 'configuration reloaded');
    return { ok: failed.length === 0, error: failed.map((f) => `${f.name}: ${f.error}`).join('; ') || null, health_checks: config.healthChecks.length };
  };
  return {
    url: `http://${host}:${port}`, config, app, store, meta, buffer, fanout, metricsHub, tailHub, tasks, cluster, exports, metrics,
    alerts: alerting.engine, notifier, delivery, ops, close, reload, onReload: (name, fn) => ops.reload.add(name, fn),
    duckdb: stores.duckdb,
  };
}
