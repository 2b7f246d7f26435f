/**
 * The persona side of seed 001 the demo needs so every persona panel has data: a persona's affinity
 * with a user (higher with the user's favourite persona), and persona progression — XP gains, level-ups
 * when XP crosses a threshold, milestones and unlocked traits (docs/ingest.md).
 */
import type { EventInput } from '@pulse/protocol';
import { conversation } from './world.js';
import type { Conversation, World } from './world.js';

export const TRAITS: readonly string[] = ['empathy', 'wisdom', 'humor', 'mentoring', 'sarcasm', 'curiosity', 'loyalty', 'patience'];
export const MILESTONES: readonly string[] = ['first_friend', 'hundred_messages', 'first_banter', 'night_owl', 'crowd_pleaser', 'storyteller'];
/** Level n needs 50·(n−1)² XP: level 2 at 50, 3 at 200, 4 at 450 … */
export const levelOf = (xp: number): number => 1 + Math.floor(Math.sqrt(xp / 50));

interface Progress {
  xp: number;
  levelSent: number;
  traits: number;
  milestones: number;
}
const progressOf = new WeakMap<World, Progress[]>();
const scratch: Conversation = { user: 0, persona: 0, guild: 0, channel: 0 };

/** `evolution` for a persona drawn by popularity: a pending level-up first, else XP (80%), a milestone or a trait. */
export function evolution(world: World, ts: number): EventInput {
  const r = world.rng;
  let all = progressOf.get(world);
  if (!all) progressOf.set(world, (all = world.personas.map(() => ({ xp: 0, levelSent: 1, traits: 0, milestones: 0 }))));
  const p = world.pick.persona.draw(r);
  const st = all[p]!;
  const persona = world.personas[p]!.name;
  const base = { ts, type: 'evolution', service: 'bot', environment: 'prod', persona, status: 'ok' as const };
  const level = levelOf(st.xp);
  if (level > st.levelSent) {
    st.levelSent = level;
    return { ...base, name: 'level', value: level };
  }
  const x = r.float();
  if (x < 0.08 && st.traits < TRAITS.length) {
    return { ...base, name: 'trait', attributes: { trait: TRAITS[(p * 3 + st.traits++) % TRAITS.length]! } };
  }
  if (x < 0.2 && st.milestones < MILESTONES.length) {
    return { ...base, name: 'milestone', attributes: { milestone: MILESTONES[(p + st.milestones++) % MILESTONES.length]! } };
  }
  const gain = 5 + r.int(46);
  st.xp += gain;
  return { ...base, name: 'xp', value: gain };
}

/** `interaction`/`affinity`: where a persona stands with a user of a recent conversation (0–100). */
export function affinity(world: World, ts: number): EventInput {
  const r = world.rng;
  const conv = conversation(world, 0.9, scratch);
  const user = world.users[conv.user]!;
  const favourite = user.favouritePersona === conv.persona;
  // A stable base per (user, persona), so a user's levels read the same from one event to the next.
  const seed = (hash(user.id) + conv.persona * 7919) % 1000;
  const centre = favourite ? 70 + (seed % 25) : 25 + (seed % 45);
  const value = Math.round(Math.min(100, Math.max(0, centre + 3 * r.normal())) * 10) / 10;
  return {
    ts, type: 'interaction', name: 'affinity', service: 'bot', environment: 'prod', persona: world.personas[conv.persona]!.name,
    user_id: user.id, target: user.id, value, status: 'ok',
    attributes: { stage: value >= 80 ? 'besties' : value >= 60 ? 'friends' : value >= 40 ? 'frenemies' : 'rivals' },
  };
}

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) >>> 0;
  return h;
}
