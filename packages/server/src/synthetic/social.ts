/**
 * Community signals (seed 001): feedback scores on replies, persona-to-persona banter with its
 * affinity, and user lifecycle events.
 */
import type { EventInput } from '@pulse/protocol';
import { BANTER_TOPICS } from './catalog-llm.js';
import { USER_ACTIONS } from './catalog-ops.js';
import { weighted } from './prng.js';
import { conversation, sessionOf } from './world.js';
import type { Conversation, World } from './world.js';
import { affinity } from './persona-life.js';

const action = weighted(USER_ACTIONS);
const scratch: Conversation = { user: 0, persona: 0, guild: 0, channel: 0 };

/** A 1–5 rating of a reply in a recent conversation, drawn from that persona's score distribution. */
export function feedback(world: World, ts: number): EventInput {
  const r = world.rng;
  const conv = conversation(world, 0.9, scratch);
  const u = conv.user;
  const user = world.users[u]!;
  const persona = world.personas[conv.persona]!;
  const f = persona.feedback;
  let x = r.float();
  let score = 1;
  while (score < 5 && x >= f[score - 1]!) {
    x -= f[score - 1]!;
    score++;
  }
  return {
    ts, type: 'feedback', name: 'rating', service: 'bot', environment: 'prod', user_id: user.id,
    session_id: sessionOf(world, u, ts), persona: persona.name, model: persona.primaryModel, guild: world.guilds[conv.guild]!,
    channel: world.channels[conv.channel]!, value: score, status: 'ok',
    attributes: { source: r.chance(0.7) ? 'reaction' : 'command' },
  };
}

/** Share of `interaction` events that are a persona's affinity with a user; the rest are banter. */
export const AFFINITY_SHARE = 0.2;

/**
 * One banter exchange between two personas (value: the affinity, 0–100, seen in it; sentiment leaning
 * with the affinity; continued more often between close personas), or a persona–user affinity.
 */
export function interaction(world: World, ts: number): EventInput {
  const r = world.rng;
  if (r.chance(AFFINITY_SHARE)) return affinity(world, ts);
  const [from, to, base] = world.pick.relationship.draw(r);
  const value = Math.round(Math.min(100, Math.max(0, base + 3 * r.normal())) * 10) / 10;
  const sentiment = Math.round(Math.min(1, Math.max(-1, (value - 55) / 50 + 0.3 * r.normal())) * 100) / 100;
  return {
    ts, type: 'interaction', name: 'banter', service: 'bot', environment: 'prod', persona: from, target: to,
    guild: world.guilds[world.pick.guild.draw(r)]!, channel: world.channels[world.pick.channel.draw(r)]!,
    value, sentiment, status: 'ok',
    attributes: {
      topic: r.pick(BANTER_TOPICS), stage: value >= 80 ? 'besties' : value >= 60 ? 'friends' : 'frenemies', exchange_length: 2 + r.int(5),
      continued: r.chance(0.4 + value / 250),
    },
  };
}

export function userEvent(world: World, ts: number): EventInput {
  const r = world.rng;
  const u = world.pick.user.draw(r);
  const user = world.users[u]!;
  const name = action.draw(r);
  return {
    ts, type: 'user', name, service: name === 'active' ? 'bot' : 'api', environment: 'prod', user_id: user.id,
    status: 'ok', attributes: { plan: user.plan, platform: user.platform },
  };
}
