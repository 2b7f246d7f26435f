import type { HealthRegistry } from '../health/registry.js';

/** What the operations feature adds to the app (AppParts.ops, RunningPulse.ops). */
export interface OpsParts {
  health: HealthRegistry;
  startedAtMs: number;
}
