import type { StoredEvent } from '@pulse/protocol';
import type { Clock } from '../clock.js';
import type { FanOut, Subscription } from '../fanout/fanout.js';
import type { Filter } from '../query/types.js';
import { matchesFilters } from './filters.js';
import type { EventsFrame, TailEvent } from './messages.js';
import { MAX_BUFFERED_BYTES, OPEN, type LiveSocket } from './socket.js';

/**
 * `/ws/events`: each client sees its project's committed events that match its filters, at most
 * `maxPerSecond` of them (a token bucket with one second of burst), sent in frames every FLUSH_MS.
 * What does not fit — over the rate, or while the client's socket buffer is full — is counted in
 * `skipped`, which every frame reports, so the page can say "N skipped".
 */
export interface TailClient {
  socket: LiveSocket;
  project: string;
  filters: readonly Filter[];
  maxPerSecond: number;
  tokens: number;
  refilledAtMs: number;
  pending: TailEvent[];
  skipped: number;
  reportedSkipped: number;
}

export const FLUSH_MS = 100;

/** The event as the tail shows it: RFC 3339 time, no empty fields, no project (the client chose it). */
export function tailEvent(e: StoredEvent): TailEvent {
  const out: TailEvent = { id: e.id, ts: new Date(e.ts).toISOString(), type: e.type };
  for (const [k, v] of Object.entries(e)) {
    if (v === null || k === 'project' || k === 'id' || k === 'ts' || k === 'type') continue;
    out[k] = v;
  }
  return out;
}

export class TailHub {
  private readonly byProject = new Map<string, Set<TailClient>>();
  private readonly subscription: Subscription;
  private readonly timer: NodeJS.Timeout;
  eventsSent = 0;
  /** Events skipped for all clients since start (each client's own count leaves with it). */
  eventsSkipped = 0;

  constructor(private readonly deps: { fanout: FanOut; clock: Clock }) {
    this.subscription = deps.fanout.subscribe('live-tail', (batch) => this.onBatch(batch), { maxQueuedEvents: 200_000, remote: true });
    this.timer = setInterval(() => this.flush(), FLUSH_MS);
    this.timer.unref();
  }

  attach(socket: LiveSocket, project: string, filters: readonly Filter[], maxPerSecond: number): TailClient {
    const client: TailClient = {
      socket, project, filters, maxPerSecond, tokens: maxPerSecond, refilledAtMs: this.deps.clock.now(),
      pending: [], skipped: 0, reportedSkipped: 0,
    };
    let set = this.byProject.get(project);
    if (!set) this.byProject.set(project, (set = new Set()));
    set.add(client);
    return client;
  }

  detach(client: TailClient): void {
    const set = this.byProject.get(client.project);
    if (!set) return;
    set.delete(client);
    if (set.size === 0) this.byProject.delete(client.project);
  }

  private onBatch(batch: readonly StoredEvent[]): void {
    if (this.byProject.size === 0) return;
    const now = this.deps.clock.now();
    for (const e of batch) {
      const clients = this.byProject.get(e.project);
      if (!clients) continue;
      for (const c of clients) {
        if (!matchesFilters(e, c.filters)) continue;
        c.tokens = Math.min(c.maxPerSecond, c.tokens + ((now - c.refilledAtMs) / 1000) * c.maxPerSecond);
        c.refilledAtMs = now;
        if (c.tokens >= 1) {
          c.tokens -= 1;
          c.pending.push(tailEvent(e));
        } else {
          c.skipped++;
          this.eventsSkipped++;
        }
      }
    }
  }

  /** Sends what each client has pending (or a changed skip count) in one frame. */
  flush(): void {
    const timestamp = new Date(this.deps.clock.now()).toISOString();
    for (const clients of this.byProject.values()) {
      for (const c of clients) {
        if (c.pending.length === 0 && c.skipped === c.reportedSkipped) continue;
        const events = c.pending;
        c.pending = [];
        if (c.socket.readyState !== OPEN) continue;
        if (c.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
          c.skipped += events.length;
          this.eventsSkipped += events.length;
          continue;
        }
        const frame: EventsFrame = { type: 'events', timestamp, events, skipped: c.skipped };
        c.socket.send(JSON.stringify(frame));
        c.reportedSkipped = c.skipped;
        this.eventsSent += events.length;
      }
    }
  }

  stats(): { clients: number; eventsSent: number; eventsSkipped: number } {
    let clients = 0;
    for (const set of this.byProject.values()) clients += set.size;
    return { clients, eventsSent: this.eventsSent, eventsSkipped: this.eventsSkipped };
  }

  close(): void {
    clearInterval(this.timer);
    this.subscription.unsubscribe();
  }
}
