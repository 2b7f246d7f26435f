import type { PulseConfig } from '../config/types.js';
import type { MetaStore, ProjectRecord } from '../store/types.js';

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
  private readonly cache = new Map<string, { at: number; value: ProjectSettings }>();

  constructor(
    private readonly config: PulseConfig,
    private readonly meta: MetaStore,
    private readonly now: () => number,
    private readonly ttlMs = 10_000,
  ) {}

  get(project: string): ProjectSettings | Promise<ProjectSettings> {
    const hit = this.cache.get(project);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.value;
    return this.load(project);
  }

  invalidate(project: string): void {
    this.cache.delete(project);
  }

  private async load(project: string): Promise<ProjectSettings> {
    const fromConfig = this.config.projects.find((p) => p.name === project);
    let value: ProjectSettings;
    if (fromConfig) value = { storeText: fromConfig.store_text };
    else {
      const rec: ProjectRecord | null = await this.meta.getProject(project);
      value = { storeText: rec?.storeText ?? false };
    }
    this.cache.set(project, { at: this.now(), value });
    return value;
  }
}
