/**
 * A deterministic, seeded synthetic world for the demo, the benchmarks and tests. Same seed and
 * options → the same events, byte for byte.
 *
 * Event mix (share of all events; each chat message is followed by the LLM call behind its reply):
 *   message 30% · llm 34% (30% bot replies + 4% API prompt-ops calls) · http 16.2% · job 6% ·
 *   feedback 4% · interaction 3.8% (4/5 banter, 1/5 persona–user affinity) · user 4% · payment 1.5% ·
 *   error 0.3% · evolution 0.2% (persona XP, level-ups, milestones, traits).
 * Errors (status 'error'), ~2% of all events: LLM calls fail 1.8% (API Timeout 42%, Rate Limit 25%,
 *   Network Error 21%, Memory Error 12%) and the message they answered fails with them; HTTP 5xx
 *   1.5% (plus 4% 4xx, status ok); jobs 3%; payments 7% (card_declined, insufficient_funds, …);
 *   stand-alone `error` events always. Expected total 1.98%.
 * Time: the density follows rhythm.ts (evening peak, 04:00 trough at 13% of it, weekends ×1.25).
 * Everything else — models, prices, personas, users, channels, latency, tokens — is documented in
 * catalog-llm.ts, catalog-ops.ts, world.ts and chat.ts.
 */
import type { EventInput } from '@pulse/protocol';
import { apiCompletion, chatMessage } from './chat.js';
import { appErrorEvent, httpRequest, payment, queueJob } from './ops.js';
import { Weighted } from './prng.js';
import { eventTimes } from './rhythm.js';
import { evolution } from './persona-life.js';
import { feedback, interaction, userEvent } from './social.js';
import { createWorld, touchSession } from './world.js';
import type { World, WorldOptions } from './world.js';

export interface SyntheticOptions extends WorldOptions {
  startMs: number;
  endMs: number;
}

type Builder = (world: World, ts: number) => EventInput;

/** Expected share of each event type in a long stream. */
export const EVENT_MIX: Readonly<Record<string, number>> = {
  message: 0.3, llm: 0.34, http: 0.162, job: 0.06, feedback: 0.04, interaction: 0.038, user: 0.04, payment: 0.015, error: 0.003,
  evolution: 0.002,
};

// A draw picks what starts next; a chat message then brings its LLM call as the following event, so
// the draw weights are the final shares with the bot's LLM calls (one per message) left out.
const STARTERS = new Weighted<Builder>(
  [chatMessage, apiCompletion, httpRequest, queueJob, feedback, interaction, userEvent, payment, appErrorEvent, evolution],
  [0.3, 0.04, 0.162, 0.06, 0.04, 0.038, 0.04, 0.015, 0.003, 0.002],
);

/** One event at `tsMs`, advancing the world's state (sessions, the pending reply). */
export function nextEventAt(world: World, tsMs: number): EventInput {
  const pending = world.pending;
  if (pending !== null) {
    world.pending = null;
    pending.ts = tsMs;
    touchSession(world, world.pendingUser, tsMs);
    return pending;
  }
  return STARTERS.draw(world.rng)(world, tsMs);
}

/** `count` events in non-decreasing `ts` (epoch ms) over [startMs, endMs), following the diurnal rhythm. */
export function* syntheticEvents(opts: SyntheticOptions & { count: number }): Generator<EventInput> {
  const world = createWorld(opts);
  for (const ts of eventTimes(opts.startMs, opts.endMs, opts.count, world.rng, world.utcOffsetMinutes)) {
    yield nextEventAt(world, ts);
  }
}
