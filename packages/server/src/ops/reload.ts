import type { PulseConfig } from '../config/types.js';

export type ReloadHook = (config: PulseConfig) => void | Promise<void>;

export interface ReloadOutcome {
  ok: boolean;
  /** Why the file was not applied (a ConfigError names the field, never a secret). */
  error: string | null;
  health_checks: number;
}

/**
 * `kill -USR2 <pid>` (seed 001) re-reads the configuration file and hands it to every registered hook: the
 * health checks now, alert rules when the alert engine registers itself (`pulse.onReload(...)`). The HTTP
 * server is not touched, so no request is dropped. A file that does not parse changes nothing.
 */
export class ReloadHooks {
  private readonly hooks: { name: string; fn: ReloadHook }[] = [];

  /** Registers a hook; returns a function that removes it. */
  add(name: string, fn: ReloadHook): () => void {
    const entry = { name, fn };
    this.hooks.push(entry);
    return () => {
      const i = this.hooks.indexOf(entry);
      if (i >= 0) this.hooks.splice(i, 1);
    };
  }

  /** Runs every hook with the new configuration; one hook failing does not stop the others. */
  async run(config: PulseConfig): Promise<{ name: string; error: string | null }[]> {
    const out: { name: string; error: string | null }[] = [];
    for (const h of this.hooks) {
      try {
        await h.fn(config);
        out.push({ name: h.name, error: null });
      } catch (err) {
        out.push({ name: h.name, error: err instanceof Error ? err.message : String(err) });
      }
    }
    return out;
  }
}
