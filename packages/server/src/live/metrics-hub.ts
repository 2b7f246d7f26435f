import type { StoredEvent } from '@pulse/protocol';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { FanOut, Subscription } from '../fanout/fanout.js';
import type { Filter } from '../query/types.js';
import type { EventStore } from '../store/types.js';
import { filtersKey, filtersObject, matchesFilters } from './filters.js';
import { LiveWindow } from './live-window.js';
import { buildMetricsData } from './metrics-frame.js';
import { seedWindow } from './seed.js';
import { MAX_BUFFERED_BYTES, OPEN, type LiveSocket } from './socket.js';

/**
 * Live windows per (project, filters), fed by one fan-out subscriber, and the `/ws/metrics` clients
 * that watch them. Each tick computes a window's frame once and sends it to every client of that
 * window that is due; a client whose socket buffer is full has the frame skipped and counted.
 * A project's unfiltered window lives as long as the server; a filtered one is dropped a minute after
 * its last client leaves.
 */
export interface MetricsHubDeps {
  store: EventStore;
  fanout: FanOut;
  /** Runs a read with commits held (WriteBuffer.betweenCommits), so seeding is exact. */
  betweenCommits: <T>(fn: () => Promise<T>) => Promise<T>;
  clock: Clock;
  logger: Pick<Logger, 'warn' | 'error'>;
  /** When the server started, for `uptime`. */
  startedAtMs: number;
  /** Default and minimum push interval. */
  intervalMs: number;
  /** Filtered windows at most; beyond, new filter combinations are refused. */
  maxWindows?: number;
}

export interface MetricsWindow {
  key: string;
  project: string;
  filters: readonly Filter[];
  window: LiveWindow;
  /** Fan-out batches up to this one were already in the store when the seed read it. */
  seedSeq: number;
  clients: Set<MetricsClient>;
  idleSinceMs: number | null;
  persistent: boolean;
}

export interface MetricsClient {
  socket: LiveSocket;
  intervalMs: number;
  lastSentMs: number;
  skipped: number;
}

export class TooManyWindowsError extends Error {
  override readonly name = 'TooManyWindowsError';
}

const IDLE_DROP_MS = 60_000;

export class MetricsHub {
  private readonly entries = new Map<string, MetricsWindow>();
  private readonly byProject = new Map<string, MetricsWindow[]>();
  private readonly seeding = new Map<string, Promise<MetricsWindow>>();
  private seedChain: Promise<unknown> = Promise.resolve();
  private lastPruneMs = 0;
  private readonly clients = new Map<MetricsClient, MetricsWindow>();
  private readonly subscription: Subscription;
  private timer: NodeJS.Timeout | null = null;
  framesSent = 0;
  framesSkipped = 0;

  constructor(private readonly deps: MetricsHubDeps) {
    this.subscription = deps.fanout.subscribe('live-windows', (batch, seq) => this.onBatch(batch, seq), { maxQueuedEvents: 1_000_000, remote: true });
    const tickMs = Math.min(deps.intervalMs, 250);
    this.timer = setInterval(() => this.tick(), tickMs);
    this.timer.unref();
  }

  /** The window for a project and filters, created and seeded from the store on first use. */
  async window(project: string, filters: readonly Filter[]): Promise<MetricsWindow> {
    // Only the default project's unfiltered window lives for good; any other (an admin key may name any
    // project) is dropped a minute after its last client, and counts toward the cap.
    const persistent = project === 'default' && filters.length === 0;
    const key = `${project}\u0000${filtersKey(filters)}`;
    const existing = this.entries.get(key);
    if (existing) return existing;
    const inFlight = this.seeding.get(key);
    if (inFlight) return inFlight;
    const transient = [...this.entries.values()].filter((e) => !e.persistent).length + this.seeding.size;
    if (!persistent && transient >= (this.deps.maxWindows ?? 200)) {
      throw new TooManyWindowsError('too many distinct live filter combinations are being watched; try again later');
    }
    // Seeds run one at a time: each holds commits while it reads, so overlapping seeds could starve ingest.
    const p = this.seedChain.then(() => this.create(key, project, filters, persistent)).finally(() => this.seeding.delete(key));
    this.seedChain = p.catch(() => undefined);
    this.seeding.set(key, p);
    return p;
  }

  private async create(key: string, project: string, filters: readonly Filter[], persistent: boolean): Promise<MetricsWindow> {
    const window = new LiveWindow(() => this.deps.clock.now());
    return this.deps.betweenCommits(async () => {
      await seedWindow(window, this.deps.store, project, filters, this.deps.clock.now());
      const entry: MetricsWindow = {
        // Idle from the start: a window whose upgrade never happens (a plain GET, a client gone) is dropped too.
        key, project, filters, window, seedSeq: this.deps.fanout.lastSeq, clients: new Set(), idleSinceMs: this.deps.clock.now(), persistent,
      };
      this.entries.set(key, entry);
      const list = this.byProject.get(project) ?? [];
      this.byProject.set(project, [...list, entry]);
      return entry;
    });
  }

  private onBatch(batch: readonly StoredEvent[], seq: number): void {
    if (this.byProject.size === 0) return;
    let groups: Map<string, StoredEvent[]> | null = null;
    const single = batch[0]!.project;
    if (!batch.every((e) => e.project === single)) {
      groups = new Map();
      for (const e of batch) {
        const g = groups.get(e.project);
        if (g) g.push(e);
        else groups.set(e.project, [e]);
      }
    }
    const apply = (project: string, events: readonly StoredEvent[]) => {
      for (const entry of this.byProject.get(project) ?? []) {
        if (seq <= entry.seedSeq) continue;
        entry.window.apply(entry.filters.length === 0 ? events : events.filter((e) => matchesFilters(e, entry.filters)));
      }
    };
    if (groups) for (const [project, events] of groups) apply(project, events);
    else apply(single, batch);
  }

  attach(entry: MetricsWindow, socket: LiveSocket, intervalMs: number): MetricsClient {
    const client: MetricsClient = { socket, intervalMs, lastSentMs: 0, skipped: 0 };
    entry.clients.add(client);
    entry.idleSinceMs = null;
    this.clients.set(client, entry);
    this.sendTo(entry, client, this.frameBody(entry), this.deps.clock.now());
    return client;
  }

  detach(client: MetricsClient): void {
    const entry = this.clients.get(client);
    if (!entry) return;
    this.clients.delete(client);
    entry.clients.delete(client);
    if (entry.clients.size === 0) entry.idleSinceMs = this.deps.clock.now();
  }

  /** A frame without the per-client `skipped_frames`, which sendTo splices in. */
  private frameBody(entry: MetricsWindow): { head: string; tail: string } {
    const now = this.deps.clock.now();
    const data = buildMetricsData(entry.window, entry.window.snapshot(), now - this.deps.startedAtMs);
    const head = `{"type":"metrics_update","timestamp":${JSON.stringify(new Date(now).toISOString())},` +
      `"project":${JSON.stringify(entry.project)},"filters":${JSON.stringify(filtersObject(entry.filters))},"skipped_frames":`;
    return { head, tail: `,"data":${JSON.stringify(data)}}` };
  }

  private sendTo(entry: MetricsWindow, client: MetricsClient, body: { head: string; tail: string }, now: number): void {
    const { socket } = client;
    if (socket.readyState !== OPEN) return;
    client.lastSentMs = now;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      client.skipped++;
      this.framesSkipped++;
      return;
    }
    socket.send(body.head + String(client.skipped) + body.tail);
    this.framesSent++;
  }

  /** Sends due frames; drops filtered windows idle for a minute. */
  tick(): void {
    const now = this.deps.clock.now();
    // Windows fed without watchers still age: free their old buckets and details once a minute.
    const prune = now - this.lastPruneMs >= 60_000;
    if (prune) this.lastPruneMs = now;
    for (const entry of this.entries.values()) {
      if (prune) entry.window.prune();
      if (entry.clients.size === 0) {
        if (!entry.persistent && entry.idleSinceMs !== null && now - entry.idleSinceMs > IDLE_DROP_MS) this.drop(entry);
        continue;
      }
      let body: { head: string; tail: string } | null = null;
      for (const client of entry.clients) {
        // Half a tick of slack, so a 1000 ms client on a 250 ms tick is sent every 1000 ms, not 1250.
        if (now - client.lastSentMs < client.intervalMs - 125) continue;
        body ??= this.frameBody(entry);
        this.sendTo(entry, client, body, now);
      }
    }
  }

  private drop(entry: MetricsWindow): void {
    this.entries.delete(entry.key);
    const list = (this.byProject.get(entry.project) ?? []).filter((e) => e !== entry);
    if (list.length > 0) this.byProject.set(entry.project, list);
    else this.byProject.delete(entry.project);
  }

  stats(): { windows: number; clients: number; framesSent: number; framesSkipped: number } {
    return { windows: this.entries.size, clients: this.clients.size, framesSent: this.framesSent, framesSkipped: this.framesSkipped };
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.subscription.unsubscribe();
  }
}
