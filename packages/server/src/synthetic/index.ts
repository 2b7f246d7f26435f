export { EVENT_MIX, nextEventAt, syntheticEvents } from './generator.js';
export type { SyntheticOptions } from './generator.js';
export { createWorld, SESSION_GAP_MS } from './world.js';
export type { SyntheticUser, World, WorldOptions } from './world.js';
export { HOURLY_PROFILE, MEAN_INTENSITY, WEEKEND_FACTOR, eventTimes, intensity } from './rhythm.js';
export { MODELS, PERSONAS, API_PROMPTS } from './catalog-llm.js';
export type { ModelSpec, PersonaSpec, PromptSpec } from './catalog-llm.js';
export { Rng } from './prng.js';
