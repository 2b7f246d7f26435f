import { CHANGE_TOPICS, type ChangeTopic, type ClusterChanges } from './types.js';

const TOPIC_OF: Record<string, ChangeTopic> = {
  projects: 'projects', alert_rules: 'alert_rules', alert_silences: 'alert_silences', alerts: 'alerts', alert_groups: 'alerts',
};

/**
 * Changes announced on `pulse_changes` (the statement triggers of migration 4: `<table> <instance>`), turned into
 * topics. The writer's own announcements are ignored (it changed its caches as it wrote); anyone else's — another
 * instance, `pulse` CLI, an operator's SQL — reach the listeners, coalesced over `coalesceMs` (default 50 ms) so a
 * burst of statements causes one reload. A lost LISTEN session (changes may have been missed) reaches every topic.
 */
export class PgChanges implements ClusterChanges {
  private readonly listeners = new Map<ChangeTopic, Set<() => void>>();
  private readonly timers = new Map<ChangeTopic, NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly instance: string, private readonly coalesceMs = 50) {}

  /** A notification's payload from the LISTEN session; null when notifications may have been missed. */
  hear(payload: string | null): void {
    if (payload === null) {
      for (const topic of CHANGE_TOPICS) this.fire(topic);
      return;
    }
    const space = payload.indexOf(' ');
    const table = space < 0 ? payload : payload.slice(0, space);
    const writer = space < 0 ? '' : payload.slice(space + 1);
    const topic = TOPIC_OF[table];
    if (topic === undefined || writer === this.instance) return;
    this.fire(topic);
  }

  on(topic: ChangeTopic, fn: () => void): () => void {
    const set = this.listeners.get(topic) ?? new Set();
    this.listeners.set(topic, set);
    set.add(fn);
    return () => set.delete(fn);
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private fire(topic: ChangeTopic): void {
    if (this.closed || this.timers.has(topic)) return;
    const timer = setTimeout(() => {
      this.timers.delete(topic);
      for (const fn of this.listeners.get(topic) ?? []) fn();
    }, this.coalesceMs);
    timer.unref();
    this.timers.set(topic, timer);
  }
}
