/**
 * The event vocabulary these analytics read (docs/ingest.md "Conversation and persona events"). One
 * place, so the SDK helpers, the demo generator and the presets cannot drift apart.
 */
export const MESSAGE = 'message';
export const LLM = 'llm';
export const FEEDBACK = 'feedback';
export const PAYMENT = 'payment';
/** Lifecycle events (`signup`, `upgrade` …) that carry `attributes.plan`. */
export const USER = 'user';
export const INTERACTION = 'interaction';
/** `interaction` names: persona ↔ persona exchange, and a persona's relationship with a user. */
export const BANTER = 'banter';
export const AFFINITY = 'affinity';
/** Persona progression events a bot sends: `type: 'evolution'`, `name` one of these, `persona` set. */
export const EVOLUTION = 'evolution';
export const XP = 'xp';
export const LEVEL = 'level';
export const MILESTONE = 'milestone';
export const TRAIT = 'trait';
