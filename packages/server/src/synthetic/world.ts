/**
 * The fixed cast of a synthetic world, derived from its seed: users with a Zipf–Mandelbrot activity
 * skew, their home guild, favourite persona, plan and platform; samplers for every categorical
 * choice; and the little mutable state that makes a stream coherent (sessions, a pending reply).
 */
import type { EventInput } from '@pulse/protocol';
import { API_PROMPTS, API_TENANTS, LLM_ERRORS, MODELS, PERSONAS, RELATIONSHIPS, errorMessage } from './catalog-llm.js';
import type { ErrorKind, ModelSpec, PersonaSpec, PromptSpec } from './catalog-llm.js';
import { CHANNELS, GUILDS, PLANS, PLATFORMS } from './catalog-ops.js';
import { Rng, Weighted, weighted } from './prng.js';

export interface WorldOptions {
  seed: number;
  /** Number of distinct users (default 5000). */
  users?: number;
  /** Carried for callers (the demo sends it as `?project=`); events have no project field. */
  project?: string;
  /** Where "local time" is for the diurnal rhythm, minutes east of UTC (default 0). */
  utcOffsetMinutes?: number;
}

export interface SyntheticUser {
  readonly id: string;
  readonly plan: string;
  readonly platform: string;
  /** Index into PERSONAS. */
  readonly favouritePersona: number;
  /** Index into GUILDS. */
  readonly homeGuild: number;
}

export interface World {
  readonly seed: number;
  readonly project: string;
  readonly utcOffsetMinutes: number;
  readonly rng: Rng;
  readonly models: readonly ModelSpec[];
  readonly personas: readonly PersonaSpec[];
  readonly prompts: readonly PromptSpec[];
  readonly guilds: readonly string[];
  readonly channels: readonly string[];
  readonly users: readonly SyntheticUser[];
  readonly pick: Samplers;
  readonly sessions: SessionState;
  readonly conversations: ConversationRing;
  /** A bot reply waiting to be emitted as the next event (a message is followed by its LLM call). */
  pending: EventInput | null;
  /** The user of `pending`, whose session it extends when emitted. */
  pendingUser: number;
}

export interface Samplers {
  readonly user: Weighted<number>;
  readonly persona: Weighted<number>;
  /** Per persona: model index, half on the persona's own model, half by MODELS weights. */
  readonly modelByPersona: readonly Weighted<number>[];
  readonly apiModel: Weighted<number>;
  readonly prompt: Weighted<number>;
  readonly tenant: readonly string[];
  readonly guild: Weighted<number>;
  readonly channel: Weighted<number>;
  readonly llmError: Weighted<ErrorKind>;
  /** llmErrorMessage[model][error kind]: built once, shared by every event. */
  readonly llmErrorMessage: readonly (readonly string[])[];
  readonly relationship: Weighted<(typeof RELATIONSHIPS)[number]>;
  readonly personaPromptId: readonly string[];
}

/**
 * Recently started conversations (user, persona, guild, channel). Most chat messages continue one of
 * them, so a conversation runs ~6–7 messages in one channel with one persona (seed 001: average
 * conversation length 8.5); the rest start a new one with a fresh Zipf draw, which keeps each user's
 * overall share unchanged.
 */
export interface ConversationRing {
  readonly user: Int32Array;
  readonly persona: Int32Array;
  readonly guild: Int32Array;
  readonly channel: Int32Array;
  filled: number;
  cursor: number;
}
export const CONVERSATION_SLOTS = 24;

export interface SessionState {
  readonly lastSeen: Float64Array;
  readonly current: (string | undefined)[];
}

/** A new session starts after this long without activity (the usual web-analytics convention). */
export const SESSION_GAP_MS = 30 * 60_000;

export function createWorld(opts: WorldOptions): World {
  const n = Math.max(1, Math.floor(opts.users ?? 5000));
  const rng = new Rng(opts.seed);
  const castRng = new Rng(opts.seed ^ 0x5eed5eed);
  const persona = weighted(PERSONAS.map((p, i) => [i, p.popularity] as const));
  const guild = weighted(GUILDS.map((g, i) => [i, g[1]] as const));
  const plan = weighted(PLANS.map((p) => [p.name, p.userShare] as const));
  const platform = weighted(PLATFORMS);

  const width = String(n - 1).length;
  const users: SyntheticUser[] = [];
  for (let i = 0; i < n; i++) {
    users.push({
      id: 'u' + String(i).padStart(Math.max(5, width), '0'),
      plan: plan.draw(castRng),
      platform: platform.draw(castRng),
      favouritePersona: persona.draw(castRng),
      homeGuild: guild.draw(castRng),
    });
  }
  // Zipf–Mandelbrot, weight (rank + 10)^-1.1: the top 1% of users send ~35% of the traffic and the
  // top 20% ~80%, without one user dominating. Ranks are shuffled so u00000 is not always the top.
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = castRng.int(i + 1);
    const t = order[i] as number;
    order[i] = order[j] as number;
    order[j] = t;
  }
  const userWeights = order.map((_, rank) => Math.pow(rank + 11, -1.1));

  const totalModelWeight = MODELS.reduce((s, m) => s + m.weight, 0);
  const modelByPersona = PERSONAS.map((p) => new Weighted(
    MODELS.map((_, i) => i),
    MODELS.map((m) => 0.5 * (m.model === p.primaryModel ? 1 : 0) + (0.5 * m.weight) / totalModelWeight),
  ));

  return {
    seed: opts.seed,
    project: opts.project ?? 'default',
    utcOffsetMinutes: opts.utcOffsetMinutes ?? 0,
    rng,
    models: MODELS,
    personas: PERSONAS,
    prompts: API_PROMPTS,
    guilds: GUILDS.map((g) => g[0]),
    channels: CHANNELS.map((c) => c[0]),
    users,
    pick: {
      user: new Weighted(order, userWeights),
      persona,
      modelByPersona,
      apiModel: weighted(MODELS.map((m, i) => [i, m.weight] as const)),
      prompt: weighted(API_PROMPTS.map((p, i) => [i, p.weight] as const)),
      tenant: API_TENANTS,
      guild,
      channel: weighted(CHANNELS.map((c, i) => [i, c[1]] as const)),
      llmError: weighted(LLM_ERRORS.map((e) => [e, e.weight] as const)),
      llmErrorMessage: MODELS.map((m) => LLM_ERRORS.map((e) => errorMessage(e.type, m.provider))),
      relationship: weighted(RELATIONSHIPS.map((r) => [r, r[3]] as const)),
      personaPromptId: PERSONAS.map((p) => `persona-${p.name}-v3`),
    },
    sessions: { lastSeen: new Float64Array(n).fill(Number.NEGATIVE_INFINITY), current: new Array<string | undefined>(n) },
    conversations: {
      user: new Int32Array(CONVERSATION_SLOTS), persona: new Int32Array(CONVERSATION_SLOTS),
      guild: new Int32Array(CONVERSATION_SLOTS), channel: new Int32Array(CONVERSATION_SLOTS), filled: 0, cursor: 0,
    },
    pending: null,
    pendingUser: 0,
  };
}

/** The session of user `u` at `tsMs`: the same id while the user keeps talking, a new one after a gap. */
export function sessionOf(world: World, u: number, tsMs: number): string {
  const s = world.sessions;
  const cur = s.current[u];
  const last = s.lastSeen[u] as number;
  s.lastSeen[u] = tsMs > last ? tsMs : last;
  if (cur !== undefined && tsMs - last <= SESSION_GAP_MS) return cur;
  const id = `s-${(world.users[u] as SyntheticUser).id}-${Math.floor(tsMs / 1000).toString(36)}`;
  s.current[u] = id;
  return id;
}

/** Activity that extends the user's current session without reading it. */
export function touchSession(world: World, u: number, tsMs: number): void {
  const last = world.sessions.lastSeen;
  if (tsMs > (last[u] as number)) last[u] = tsMs;
}

/** A user's guild: home 85% of the time, else any guild by popularity. */
export function guildOf(world: World, u: number): number {
  return world.rng.chance(0.85) ? (world.users[u] as SyntheticUser).homeGuild : world.pick.guild.draw(world.rng);
}

export interface Conversation {
  user: number;
  persona: number;
  guild: number;
  channel: number;
}

/** Continue a recent conversation with probability `pContinue`, else start a new one. Reuses `out`. */
export function conversation(world: World, pContinue: number, out: Conversation): Conversation {
  const r = world.rng;
  const c = world.conversations;
  if (c.filled > 0 && r.chance(pContinue)) {
    const i = r.int(c.filled);
    out.user = c.user[i] as number;
    out.persona = c.persona[i] as number;
    out.guild = c.guild[i] as number;
    out.channel = c.channel[i] as number;
    return out;
  }
  const u = world.pick.user.draw(r);
  out.user = u;
  out.persona = r.chance(0.55) ? (world.users[u] as SyntheticUser).favouritePersona : world.pick.persona.draw(r);
  out.guild = guildOf(world, u);
  out.channel = world.pick.channel.draw(r);
  const i = c.cursor;
  c.user[i] = out.user;
  c.persona[i] = out.persona;
  c.guild[i] = out.guild;
  c.channel[i] = out.channel;
  c.cursor = (i + 1) % CONVERSATION_SLOTS;
  if (c.filled < CONVERSATION_SLOTS) c.filled++;
  return out;
}
