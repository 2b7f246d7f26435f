import { DDSketch } from '@datadog/sketches-js';
import type { StoredEvent } from '@pulse/protocol';
import { LATENCY_ACCURACY } from '../query/types.js';
import {
  ACTIVE_MINUTES, DAY_MINUTES, MINUTE_MS, PERSONA_MINUTES, RECENT_MINUTES, utcDayStartMs, windowStartMs,
} from './windows-spec.js';

/**
 * One project's (optionally filtered) rolling picture, kept per UTC minute by event time for the last
 * 24 hours. Fed by the fan-out with committed events and seeded once from the store (seed.ts), so a
 * restart does not read zeros. Details that only the recent windows need (sets of users, per-persona
 * and per-model maps, latency sketches) are freed once a bucket ages out of those windows.
 */
export interface PersonaAcc { messages: number; sentimentSum: number; sentimentN: number }
export interface ModelAcc { input: number; output: number; cost: number }

export class MinuteBucket {
  count = 0;
  errors = 0;
  messages = 0;
  durationSum = 0;
  durationN = 0;
  ttftSum = 0;
  ttftN = 0;
  duration: DDSketch | null = null;
  ttft: DDSketch | null = null;
  users: Set<string> | null = null;
  guilds: Set<string> | null = null;
  personas: Map<string, PersonaAcc> | null = null;
  models: Map<string, ModelAcc> | null = null;
  constructor(readonly minute: number) {}

  persona(name: string): PersonaAcc {
    const m = (this.personas ??= new Map());
    let p = m.get(name);
    if (!p) m.set(name, (p = { messages: 0, sentimentSum: 0, sentimentN: 0 }));
    return p;
  }

  model(name: string): ModelAcc {
    const m = (this.models ??= new Map());
    let a = m.get(name);
    if (!a) m.set(name, (a = { input: 0, output: 0, cost: 0 }));
    return a;
  }
}

/** The query layer's latency buckets use the same accuracy, so sketches can be seeded from them. */
export const newSketch = (): DDSketch => new DDSketch({ relativeAccuracy: LATENCY_ACCURACY });

export interface WindowSnapshot {
  nowMs: number;
  recentStartMs: number;
  recent: { events: number; errors: number; messages: number; durationSum: number; durationN: number; ttftSum: number; ttftN: number };
  p50: number | null;
  p95: number | null;
  p99: number | null;
  ttftP95: number | null;
  activeUsers: number;
  activeGuilds: number;
  personas: Map<string, PersonaAcc>;
  models: Map<string, ModelAcc>;
  day: { events: number; errors: number };
  messagesToday: number;
}

export class LiveWindow {
  private readonly buckets = new Map<number, MinuteBucket>();
  /** Events applied from the fan-out since the window was created. */
  eventsSeen = 0;
  /** Clock time of the last applied batch. */
  lastEventAtMs: number | null = null;

  constructor(private readonly now: () => number) {}

  bucket(minute: number): MinuteBucket {
    let b = this.buckets.get(minute);
    if (!b) this.buckets.set(minute, (b = new MinuteBucket(minute)));
    return b;
  }

  /** Applies committed events (already known to match this window's filters). */
  apply(events: readonly StoredEvent[]): void {
    if (events.length === 0) return;
    const nowMin = Math.floor(this.now() / MINUTE_MS);
    const oldest = nowMin - DAY_MINUTES + 1;
    for (const e of events) this.applyOne(e, nowMin, oldest);
    this.eventsSeen += events.length;
    this.lastEventAtMs = this.now();
  }

  private applyOne(e: StoredEvent, nowMin: number, oldest: number): void {
    const minute = Math.floor(e.ts / MINUTE_MS);
    if (minute < oldest) return;
    const b = this.bucket(minute);
    const age = nowMin - minute;
    b.count++;
    if (e.status === 'error') b.errors++;
    if (e.type === 'message') {
      b.messages++;
      if (e.persona !== null && age < PERSONA_MINUTES) {
        const p = b.persona(e.persona);
        p.messages++;
        if (e.sentiment !== null) {
          p.sentimentSum += e.sentiment;
          p.sentimentN++;
        }
      }
    }
    if (age < RECENT_MINUTES) {
      if (e.type === 'llm') {
        if (e.duration_ms !== null) {
          b.durationSum += e.duration_ms;
          b.durationN++;
          (b.duration ??= newSketch()).accept(e.duration_ms);
        }
        if (e.ttft_ms !== null) {
          b.ttftSum += e.ttft_ms;
          b.ttftN++;
          (b.ttft ??= newSketch()).accept(e.ttft_ms);
        }
      }
      if (e.model !== null) {
        const m = b.model(e.model);
        m.input += e.input_tokens ?? 0;
        m.output += e.output_tokens ?? 0;
        m.cost += e.cost_usd ?? 0;
      }
    }
    if (age < ACTIVE_MINUTES) {
      if (e.user_id !== null) (b.users ??= new Set()).add(e.user_id);
      if (e.guild !== null) (b.guilds ??= new Set()).add(e.guild);
    }
  }

  /** Drops buckets older than 24 h and the details of buckets past their windows. */
  prune(): void {
    const nowMin = Math.floor(this.now() / MINUTE_MS);
    for (const [minute, b] of this.buckets) {
      const age = nowMin - minute;
      if (age >= DAY_MINUTES) {
        this.buckets.delete(minute);
        continue;
      }
      if (age >= RECENT_MINUTES) {
        b.duration = b.ttft = null;
        b.models = null;
      }
      if (age >= ACTIVE_MINUTES) b.users = b.guilds = null;
      if (age >= PERSONA_MINUTES) b.personas = null;
    }
  }

  snapshot(): WindowSnapshot {
    this.prune();
    const nowMs = this.now();
    const nowMin = Math.floor(nowMs / MINUTE_MS);
    const recentStartMs = windowStartMs(nowMs, RECENT_MINUTES);
    const todayMin = utcDayStartMs(nowMs) / MINUTE_MS;
    const recent = { events: 0, errors: 0, messages: 0, durationSum: 0, durationN: 0, ttftSum: 0, ttftN: 0 };
    const day = { events: 0, errors: 0 };
    let messagesToday = 0;
    const duration = newSketch();
    const ttft = newSketch();
    const users = new Set<string>();
    const guilds = new Set<string>();
    const personas = new Map<string, PersonaAcc>();
    const models = new Map<string, ModelAcc>();
    for (const b of this.buckets.values()) {
      const age = nowMin - b.minute;
      if (age < 0) continue; // events stamped in the future count once their minute comes
      day.events += b.count;
      day.errors += b.errors;
      if (b.minute >= todayMin) messagesToday += b.messages;
      if (age < RECENT_MINUTES) {
        recent.events += b.count;
        recent.errors += b.errors;
        recent.messages += b.messages;
        recent.durationSum += b.durationSum;
        recent.durationN += b.durationN;
        recent.ttftSum += b.ttftSum;
        recent.ttftN += b.ttftN;
        if (b.duration) duration.merge(b.duration);
        if (b.ttft) ttft.merge(b.ttft);
        if (b.models) for (const [k, m] of b.models) addModel(models, k, m);
      }
      if (age < ACTIVE_MINUTES) {
        if (b.users) for (const u of b.users) users.add(u);
        if (b.guilds) for (const g of b.guilds) guilds.add(g);
      }
      if (age < PERSONA_MINUTES && b.personas) for (const [k, p] of b.personas) addPersona(personas, k, p);
    }
    const q = (s: DDSketch, quantile: number): number | null => (s.count > 0 ? interpolatedQuantile(s, quantile) : null);
    return {
      nowMs, recentStartMs, recent,
      p50: q(duration, 0.5), p95: q(duration, 0.95), p99: q(duration, 0.99), ttftP95: q(ttft, 0.95),
      activeUsers: users.size, activeGuilds: guilds.size, personas, models, day, messagesToday,
    };
  }
}

/**
 * The q-quantile interpolated between the two order statistics either side of rank q·(n − 1), as `quantile_cont`
 * and the rollups' sketches answer it (docs/retention.md), rather than the sketch library's lower rank — which, over
 * a few calls, answers p95 of 1430 and 1850 ms as 1430. Latencies are never negative, so only zeros and the positive
 * store hold values.
 */
function interpolatedQuantile(s: DDSketch, quantile: number): number {
  const rank = quantile * (s.count - 1);
  const at = (k: number): number => (k < s.zeroCount ? 0 : s.mapping.value(s.store.keyAtRank(k - s.zeroCount)));
  const lo = Math.floor(rank);
  const low = at(lo);
  return rank === lo ? low : low + (rank - lo) * (at(lo + 1) - low);
}

function addPersona(into: Map<string, PersonaAcc>, k: string, p: PersonaAcc): void {
  const t = into.get(k);
  if (!t) into.set(k, { ...p });
  else {
    t.messages += p.messages;
    t.sentimentSum += p.sentimentSum;
    t.sentimentN += p.sentimentN;
  }
}

function addModel(into: Map<string, ModelAcc>, k: string, m: ModelAcc): void {
  const t = into.get(k);
  if (!t) into.set(k, { ...m });
  else {
    t.input += m.input;
    t.output += m.output;
    t.cost += m.cost;
  }
}
