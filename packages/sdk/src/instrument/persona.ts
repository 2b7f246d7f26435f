/**
 * Helpers for the events seed 001's persona analytics read (docs/ingest.md "Conversation and persona
 * events"): banter between personas, a persona's affinity with a user, persona progression (XP, level,
 * milestones, traits), and session ids that roll over after inactivity.
 */
import type { TrackContext } from '../monitoring/context.js';
import type { EventSink } from './types.js';

type Attributes = Record<string, string | number | boolean>;

export interface BanterInfo extends TrackContext {
  /** The persona who spoke first. */
  persona: string;
  /** The other persona. */
  target: string;
  /** Affinity 0–100 between the two after the exchange. */
  affinity?: number;
  /** Relationship stage in the bot's words (`friends`, `frenemies` …). */
  stage?: string;
  /** Messages in the exchange. */
  exchangeLength?: number;
  /** Whether the exchange led to further conversation (banter success rate). */
  continued?: boolean;
  topic?: string;
  /** The exchange's text, for sentiment and text facts (dropped at ingest unless the project keeps text). */
  text?: string;
  sentiment?: number;
  attributes?: Attributes;
}

export interface AffinityInfo extends TrackContext {
  persona: string;
  userId: string;
  /** Affinity 0–100 between the persona and the user, now. */
  affinity: number;
  stage?: string;
  attributes?: Attributes;
}

export type EvolutionInfo = TrackContext & { persona: string; attributes?: Attributes } & (
  | { kind: 'xp'; /** XP gained. */ amount: number }
  | { kind: 'level'; /** The new level. */ level: number }
  | { kind: 'milestone'; milestone: string }
  | { kind: 'trait'; trait: string }
);

const compact = (a: Record<string, string | number | boolean | undefined>): Attributes | undefined => {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(a)) if (v !== undefined) out[k] = v;
  return Object.keys(out).length > 0 ? out : undefined;
};

/** `interaction`/`banter`: an exchange between two personas. */
export function trackBanter(sink: EventSink, b: BanterInfo): boolean {
  const { persona, target, affinity, stage, exchangeLength, continued, topic, text, sentiment, attributes, ...ctx } = b;
  return sink.ship({
    type: 'interaction', name: 'banter', persona, target, value: affinity, text, sentiment,
    attributes: compact({ ...attributes, stage, exchange_length: exchangeLength, continued, topic }),
  }, { ...ctx, persona });
}

/** `interaction`/`affinity`: where a persona stands with a user. */
export function trackAffinity(sink: EventSink, a: AffinityInfo): boolean {
  const { persona, userId, affinity, stage, attributes, ...ctx } = a;
  return sink.ship({
    type: 'interaction', name: 'affinity', persona, user_id: userId, target: userId, value: affinity,
    attributes: compact({ ...attributes, stage }),
  }, { ...ctx, persona, userId });
}

const CONTEXT_FIELDS = ['userId', 'sessionId', 'channel', 'guild', 'promptId'] as const;

/** `evolution`/`xp|level|milestone|trait`: a persona's progression. */
export function trackEvolution(sink: EventSink, e: EvolutionInfo): boolean {
  const { persona, attributes } = e;
  const base = { type: 'evolution', persona } as const;
  // Only the fields given: an explicit undefined would hide the ambient `withContext` value.
  const ctx: TrackContext = { persona };
  for (const k of CONTEXT_FIELDS) if (e[k] !== undefined) ctx[k] = e[k];
  switch (e.kind) {
    case 'xp':
      return sink.ship({ ...base, name: 'xp', value: e.amount, attributes }, ctx);
    case 'level':
      return sink.ship({ ...base, name: 'level', value: e.level, attributes }, ctx);
    case 'milestone':
      return sink.ship({ ...base, name: 'milestone', attributes: { ...attributes, milestone: e.milestone } }, ctx);
    case 'trait':
      return sink.ship({ ...base, name: 'trait', attributes: { ...attributes, trait: e.trait } }, ctx);
  }
}

/** Inactivity that ends a session: 30 minutes, the usual web-analytics gap. */
export const SESSION_GAP_MS = 30 * 60_000;

/**
 * Session ids per conversation key (a user, or user + channel): the same id while messages keep
 * coming, a new one after `gapMs` of silence. Keys idle for longer than the gap are forgotten on the
 * next call, so memory follows active conversations only. The map is kept in last-used order, so a
 * call only looks at the keys it forgets: O(1) per message however many conversations are open.
 */
export class Sessions {
  private readonly open = new Map<string, { id: string; lastMs: number }>();
  private counter = 0;
  constructor(
    private readonly gapMs = SESSION_GAP_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** The session id for `key` at this moment, opening a new session when the last one went idle. */
  idFor(key: string): string {
    const t = this.now();
    for (const [k, s] of this.open) {
      if (t - s.lastMs <= this.gapMs) break;
      this.open.delete(k);
    }
    const cur = this.open.get(key);
    this.open.delete(key);
    // Checked here too: after a clock step back the order may not be exact, and a stale entry can linger.
    const id = cur && t - cur.lastMs <= this.gapMs ? cur.id : `${key}:${t.toString(36)}:${(this.counter++).toString(36)}`;
    this.open.set(key, { id, lastMs: t });
    return id;
  }
}
