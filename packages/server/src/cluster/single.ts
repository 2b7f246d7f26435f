import type { Cluster, Leadership } from './types.js';

/** The embedded store's one instance: it always leads, and nobody else changes what it caches. */
export function singleInstance(instance: string): Cluster {
  const leadership = new SingleLeadership(instance);
  return {
    mode: 'single', instance, leadership, liveFeed: null,
    changes: { on: () => () => undefined },
    close: () => leadership.close(),
  };
}

class SingleLeadership implements Leadership {
  private leading = false;
  private readonly hooks = new Set<() => Promise<void>>();
  private readonly listeners = new Set<(leader: boolean) => void>();

  constructor(readonly instance: string) {}

  isLeader(): boolean {
    return this.leading;
  }

  leaderInstance(): string | null {
    return this.leading ? this.instance : null;
  }

  onChange(fn: (leader: boolean) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  beforeLeading(fn: () => Promise<void>): () => void {
    this.hooks.add(fn);
    return () => this.hooks.delete(fn);
  }

  async start(): Promise<void> {
    for (const hook of this.hooks) await hook();
    this.leading = true;
    for (const fn of this.listeners) fn(true);
  }

  async close(): Promise<void> {
    this.leading = false;
  }
}
