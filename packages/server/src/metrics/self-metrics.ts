import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { SubscriberStats } from '../fanout/fanout.js';
import type { TaskInfo } from '../tasks/background-tasks.js';
import type { LiveFeedStats } from '../cluster/types.js';

/** Where the pipeline's own numbers are read at scrape time: nothing here costs the hot path. */
export interface SelfMetricSources {
  buffer: { stats(): { queuedEvents: number; committedEvents: number; shedEvents: number; failedEvents: number; maxQueuedEvents: number } };
  fanout: { stats(): { published: number; subscribers: SubscriberStats[] } };
  metricsHub: { stats(): { windows: number; clients: number; framesSent: number; framesSkipped: number } };
  tailHub: { stats(): { clients: number; eventsSent: number; eventsSkipped: number } };
  /** Periodic work (retention, alert evaluation, …): runs and failures per task. */
  tasks?: { list(): TaskInfo[] };
  /** The instances sharing PostgreSQL (cluster/): whether this one leads, and the live feed between them. */
  cluster?: { leadership: { isLeader(): boolean }; liveFeed: { stats(): LiveFeedStats } | null };
  /** Restarts of the server in this process after DuckDB invalidated its database (supervise.ts). */
  restarts?: { count: number };
}

/** Ingest routes and what each answer means for the client (the label values of `outcome`). */
const OUTCOMES: Readonly<Record<number, string>> = {
  200: 'accepted', 207: 'partial', 400: 'malformed', 401: 'unauthorized', 403: 'forbidden', 413: 'too_large',
  415: 'unsupported_media_type', 422: 'key_reused', 429: 'shed', 503: 'unavailable',
};
export const ingestOutcome = (status: number): string => OUTCOMES[status] ?? (status >= 500 ? 'error' : 'other');

/** Group commits take a millisecond to seconds (a slow disk, a checkpoint). */
const COMMIT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const BATCH_BUCKETS = [1, 10, 50, 100, 500, 1000, 2000, 5000, 10000, 20000, 50000];
/** Pulse's own HTTP endpoints: ingest acks in milliseconds, analytics queries up to seconds. */
const PULSE_HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface SelfMetrics {
  /** One request to `/v1/events`, its alias or OTLP, by endpoint and outcome (from its status). */
  ingestRequest(endpoint: string, status: number): void;
  /** Events of a request that failed validation (reported in the 207 body). */
  invalidEvents(n: number): void;
  /** Every store append (WriteBuffer's onAppend). */
  append(events: number, seconds: number, ok: boolean): void;
  /** Every HTTP request Pulse served, by route template (query latency per endpoint lives here). */
  httpRequest(route: string, method: string, status: number, seconds: number): void;
}

export function createSelfMetrics(registry: Registry, src: SelfMetricSources): SelfMetrics {
  const registers = [registry];
  let invalid = 0;
  const ingestRequests = new Counter({
    name: 'pulse_ingest_requests_total', help: 'Ingest requests, by endpoint and outcome (accepted, partial, shed = 429, unavailable = 503, …)',
    labelNames: ['endpoint', 'outcome'], registers,
  });
  new Counter({
    name: 'pulse_ingest_events_accepted_total', help: 'Events committed to the store (acknowledged to clients)', registers,
    collect() {
      this.reset();
      this.inc(src.buffer.stats().committedEvents);
    },
  });
  new Counter({
    name: 'pulse_ingest_events_rejected_total', help: 'Events not stored, by reason: invalid (failed validation), shed (429, write queue full), unavailable (503, commit failed)',
    labelNames: ['reason'], registers,
    collect() {
      const s = src.buffer.stats();
      this.reset();
      this.inc({ reason: 'invalid' }, invalid);
      this.inc({ reason: 'shed' }, s.shedEvents);
      this.inc({ reason: 'unavailable' }, s.failedEvents);
    },
  });
  new Gauge({
    name: 'pulse_write_queue_events', help: 'Events accepted and waiting for (or in) a group commit', registers,
    collect() {
      this.set(src.buffer.stats().queuedEvents);
    },
  });
  new Gauge({
    name: 'pulse_write_queue_capacity_events', help: 'Queued events beyond which ingest answers 429', registers,
    collect() {
      this.set(src.buffer.stats().maxQueuedEvents);
    },
  });
  const commitDuration = new Histogram({ name: 'pulse_commit_duration_seconds', help: 'Time of one group commit (store append)', buckets: COMMIT_BUCKETS, registers });
  const commitBatch = new Histogram({ name: 'pulse_commit_batch_events', help: 'Events per group commit', buckets: BATCH_BUCKETS, registers });
  const commitFailures = new Counter({ name: 'pulse_commit_failures_total', help: 'Store appends that failed (their requests got 503)', registers });
  new Counter({
    name: 'pulse_fanout_published_events_total', help: 'Committed events handed to the fan-out', registers,
    collect() {
      this.reset();
      this.inc(src.fanout.stats().published);
    },
  });
  const perSubscriber = (name: string, help: string, pick: (s: SubscriberStats) => number, type: 'counter' | 'gauge'): void => {
    const collect = function (this: Counter | Gauge) {
      this.reset();
      for (const s of src.fanout.stats().subscribers) {
        if (this instanceof Gauge) this.set({ subscriber: s.name }, pick(s));
        else this.inc({ subscriber: s.name }, pick(s));
      }
    };
    if (type === 'counter') new Counter({ name, help, labelNames: ['subscriber'], registers, collect });
    else new Gauge({ name, help, labelNames: ['subscriber'], registers, collect });
  };
  perSubscriber('pulse_fanout_delivered_events_total', 'Events handed to each fan-out subscriber', (s) => s.delivered, 'counter');
  perSubscriber('pulse_fanout_dropped_events_total', 'Events a fan-out subscriber lost because its queue was full', (s) => s.dropped, 'counter');
  perSubscriber('pulse_fanout_errors_total', 'Batches whose fan-out subscriber threw', (s) => s.errors, 'counter');
  perSubscriber('pulse_fanout_queued_events', 'Events waiting in each fan-out subscriber\'s queue', (s) => s.queued, 'gauge');
  new Gauge({
    name: 'pulse_websocket_clients', help: 'Connected WebSocket clients, by endpoint', labelNames: ['endpoint'], registers,
    collect() {
      this.set({ endpoint: '/ws/metrics' }, src.metricsHub.stats().clients);
      this.set({ endpoint: '/ws/events' }, src.tailHub.stats().clients);
    },
  });
  new Gauge({
    name: 'pulse_live_windows', help: 'Live metric windows (project × filters) kept up to date', registers,
    collect() {
      this.set(src.metricsHub.stats().windows);
    },
  });
  new Counter({
    name: 'pulse_websocket_frames_skipped_total', help: '/ws/metrics frames not sent because the client\'s socket buffer was full', labelNames: ['endpoint'], registers,
    collect() {
      this.reset();
      this.inc({ endpoint: '/ws/metrics' }, src.metricsHub.stats().framesSkipped);
    },
  });
  new Counter({
    name: 'pulse_websocket_events_skipped_total', help: '/ws/events events not sent (over the client\'s rate, or its buffer full)', labelNames: ['endpoint'], registers,
    collect() {
      this.reset();
      this.inc({ endpoint: '/ws/events' }, src.tailHub.stats().eventsSkipped);
    },
  });
  const tasks = src.tasks;
  if (tasks) {
    const perTask = (name: string, help: string, pick: (t: TaskInfo) => number): void => {
      new Counter({
        name, help, labelNames: ['task'], registers,
        collect() {
          this.reset();
          for (const t of tasks.list()) this.inc({ task: t.name }, pick(t));
        },
      });
    };
    perTask('pulse_background_task_runs_total', 'Runs of each background task', (t) => t.runs);
    perTask('pulse_background_task_failures_total', 'Runs of each background task that threw', (t) => t.failures);
    perTask('pulse_background_task_overruns_total', 'Runs that took longer than their task\'s interval', (t) => t.overruns);
    perTask('pulse_background_task_skipped_total', 'Runs of a leader-only task due while this instance did not lead', (t) => t.skipped);
  }
  const restarts = src.restarts;
  if (restarts) {
    // Counted across the restarts themselves: the registry is new after each, the count is the supervisor's.
    new Counter({
      name: 'pulse_store_restarts_total', help: 'Restarts of the server in this process after DuckDB invalidated the database', registers,
      collect() {
        this.reset();
        this.inc(restarts.count);
      },
    });
  }
  const cluster = src.cluster;
  if (cluster) {
    new Gauge({
      name: 'pulse_cluster_leader', help: 'Whether this instance leads (runs alert evaluation, reports and the other leader-only work)', registers,
      collect() {
        this.set(cluster.leadership.isLeader() ? 1 : 0);
      },
    });
    const feed = cluster.liveFeed;
    if (feed) {
      new Counter({
        name: 'pulse_cluster_live_feed_events_total', help: 'Events of the live feed between instances: sent, received, dropped, trimmed',
        labelNames: ['outcome'], registers,
        collect() {
          this.reset();
          const st = feed.stats();
          for (const outcome of ['sent', 'received', 'dropped', 'trimmed'] as const) this.inc({ outcome }, st[outcome]);
        },
      });
    }
  }
  const http = new Histogram({
    name: 'pulse_http_request_duration_seconds', help: 'Pulse\'s own HTTP requests, by route template, method and status code',
    labelNames: ['route', 'method', 'status_code'], buckets: PULSE_HTTP_BUCKETS, registers,
  });
  return {
    ingestRequest: (endpoint, status) => ingestRequests.inc({ endpoint, outcome: ingestOutcome(status) }),
    invalidEvents: (n) => {
      invalid += n;
    },
    append: (events, seconds, ok) => {
      commitDuration.observe(seconds);
      commitBatch.observe(events);
      if (!ok) commitFailures.inc();
    },
    httpRequest: (route, method, status, seconds) => http.observe({ route, method, status_code: String(status) }, seconds),
  };
}
