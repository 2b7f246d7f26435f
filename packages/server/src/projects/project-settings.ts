import type { PulseConfig } from '../config/types.js';
import type { MetaStore } from '../store/types.js';
import { TtlCache } from '../ttl-cache.js';

export const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const DEFAULT_PROJECT = 'default';

export interface ProjectSettings {
  storeText: boolean;
}

/**
 * Per-project settings read on the ingest hot path, so cached: the YAML `projects:` list wins, then
 * the meta store's record, then defaults. Entries expire so a change made elsewhere shows up.
 */
export class ProjectSettingsCache {
  private readonly cache: TtlCache<string, ProjectSettings>;

  constructor(
    private readonly config: PulseConfig,
    private readonly meta: MetaStore,
    now: () => number,
    ttlMs = 10_000,
  ) {
    this.cache = new TtlCache(now, ttlMs);
  }

  /** Forgets every cached setting (another instance changed a project: cluster changes). */
  clear(): void {
    this.cache.clear();
  }

  get(project: string): ProjectSettings | Promise<ProjectSettings> {
    return this.cache.get(project) ?? this.load(project);
  }

  private async load(project: string): Promise<ProjectSettings> {
    const fromConfig = this.config.projects.find((p) => p.name === project);
    const value: ProjectSettings = fromConfig
      ? { storeText: fromConfig.store_text }
      : { storeText: (await this.meta.getProject(project))?.storeText ?? false };
    this.cache.set(project, value);
    return value;
  }
}
