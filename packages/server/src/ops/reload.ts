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
 * server is not touched, so no request is dropped. A file that does not parse changes nothing, and neither does
 * one that a hook's `check` refuses (invalid alert rules): every check passes before any hook applies anything.
 */
export class ReloadHooks {
  private readonly hooks: { name: string; fn: ReloadHook; check: ReloadHook | null }[] = [];

  /** Registers a hook, and what it refuses before any hook runs (`check` throws); returns a function that removes it. */
  add(name: string, fn: ReloadHook, check: ReloadHook | null = null): () => void {
    const entry = { name, fn, check };
    this.hooks.push(entry);
    return () => {
      const i = this.hooks.indexOf(entry);
      if (i >= 0) this.hooks.splice(i, 1);
    };
  }

  /**
   * Runs every check, then — only if none refused — every hook with the new configuration; one hook failing does not
   * stop the others. `applied` is false when a check refused (the results are then the checks').
   */
  async run(config: PulseConfig): Promise<{ applied: boolean; results: { name: string; error: string | null }[] }> {
    const refused: { name: string; error: string | null }[] = [];
    for (const h of this.hooks) {
      if (h.check === null) continue;
      const error = await attempt(() => h.check!(config));
      if (error !== null) refused.push({ name: h.name, error });
    }
    if (refused.length > 0) return { applied: false, results: refused };
    const out: { name: string; error: string | null }[] = [];
    for (const h of this.hooks) out.push({ name: h.name, error: await attempt(() => h.fn(config)) });
    return { applied: true, results: out };
  }
}

async function attempt(fn: () => void | Promise<void>): Promise<string | null> {
  try {
    await fn();
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
