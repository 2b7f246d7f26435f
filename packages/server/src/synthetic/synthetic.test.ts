import { validateEvents } from '@pulse/protocol';
import type { EventInput } from '@pulse/protocol';
import { describe, expect, it } from 'vitest';
import { createEnricher } from '../ingest/enrich/enrich.js';
import { createPricing } from '../ingest/enrich/pricing.js';
import { MODELS } from './catalog-llm.js';
import { createWorld, nextEventAt, SESSION_GAP_MS, syntheticEvents } from './index.js';

const DAY = 86_400_000;
// Monday 2025-01-06 00:00 UTC: four whole weeks follow.
const START = Date.UTC(2025, 0, 6);
const END = START + 28 * DAY;
const N = 100_000;
const events: EventInput[] = [...syntheticEvents({ seed: 1234, startMs: START, endMs: END, count: N })];
const ofType = (t: string): EventInput[] => events.filter((e) => e.type === t);

describe('syntheticEvents', () => {
  it('is deterministic: the same seed gives the same events, another seed different ones', () => {
    const a = [...syntheticEvents({ seed: 99, startMs: START, endMs: START + DAY, count: 5000 })];
    const b = [...syntheticEvents({ seed: 99, startMs: START, endMs: START + DAY, count: 5000 })];
    const c = [...syntheticEvents({ seed: 100, startMs: START, endMs: START + DAY, count: 5000 })];
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(c));
  });

  it('yields exactly count events with integer ts, non-decreasing, inside [startMs, endMs)', () => {
    expect(events).toHaveLength(N);
    let prev = START;
    for (const e of events) {
      const ts = e.ts as number;
      expect(Number.isInteger(ts)).toBe(true);
      if (ts < prev || ts >= END) throw new Error(`ts ${ts} out of order or range (prev ${prev})`);
      prev = ts;
    }
    const short = [...syntheticEvents({ seed: 1, startMs: 1_000, endMs: 1_003, count: 50 })];
    expect(short.every((e) => (e.ts as number) >= 1_000 && (e.ts as number) < 1_003)).toBe(true);
    expect([...syntheticEvents({ seed: 1, startMs: 5, endMs: 5, count: 10 })]).toHaveLength(0);
  });

  it('every event passes the protocol validator', () => {
    const v = validateEvents(events, END);
    expect(v.rejected.slice(0, 3)).toEqual([]);
    expect(v.records).toHaveLength(N);
  });

  it('has the documented mix of event types (±4σ)', () => {
    const expected: Record<string, number> = {
      message: 0.3, llm: 0.34, http: 0.162, job: 0.06, feedback: 0.04, interaction: 0.038, user: 0.04, payment: 0.015, error: 0.003,
      evolution: 0.002,
    };
    const counts: Record<string, number> = {};
    for (const e of events) counts[e.type] = (counts[e.type] ?? 0) + 1;
    expect(Object.keys(counts).sort()).toEqual(Object.keys(expected).sort());
    for (const [type, p] of Object.entries(expected)) {
      const tol = 4 * Math.sqrt((p * (1 - p)) / N);
      expect(Math.abs((counts[type] ?? 0) / N - p), type).toBeLessThan(tol);
    }
    // Every chat message is followed by its LLM call; the other LLM calls are API prompt-ops calls.
    expect(events.filter((e) => e.type === 'llm' && e.service === 'bot')).toHaveLength(ofType('message').length - (events.at(-1)?.type === 'message' ? 1 : 0));
  });

  it('has ~2% errors of the seed types, each with a message and a severity', () => {
    const errors = events.filter((e) => e.status === 'error');
    expect(errors.length / N).toBeGreaterThan(0.017);
    expect(errors.length / N).toBeLessThan(0.023);
    for (const e of errors) {
      expect(e.error_type, JSON.stringify(e)).toBeTruthy();
      expect(e.error_message, JSON.stringify(e)).toBeTruthy();
      expect(['low', 'medium', 'high', 'critical']).toContain(e.severity);
    }
    const llmTypes = new Set(ofType('llm').filter((e) => e.status === 'error').map((e) => e.error_type));
    expect([...llmTypes].sort()).toEqual(['API Timeout', 'Memory Error', 'Network Error', 'Rate Limit']);
    expect(new Set(ofType('error').map((e) => e.error_type))).toContain('Validation Error');
    expect(events.filter((e) => e.status !== 'error').every((e) => e.error_type === undefined)).toBe(true);
  });

  it('message phases add up to duration_ms, and llm_inference is the duration of the LLM call that follows', () => {
    let checked = 0;
    for (let i = 0; i < events.length - 1; i++) {
      const m = events[i]!;
      if (m.type !== 'message') continue;
      const phases = m.phases!;
      expect(Object.values(phases).reduce((a, b) => a + b, 0)).toBe(m.duration_ms);
      const l = events[i + 1]!;
      expect(l.type).toBe('llm');
      expect([l.session_id, l.persona, l.user_id, l.status]).toEqual([m.session_id, m.persona, m.user_id, m.status]);
      expect(l.duration_ms).toBe(phases.llm_inference);
      checked++;
    }
    expect(checked).toBeGreaterThan(25_000);
    const voiced = ofType('message').filter((e) => e.phases!.tts_generation !== undefined);
    expect(voiced.length / ofType('message').length).toBeGreaterThan(0.05);
    expect(voiced.length / ofType('message').length).toBeLessThan(0.3);
  });

  it('uses the real model names, gpt-4o-mini most, bigger models slower, and leaves most costs to the server', () => {
    const llm = ofType('llm');
    const byModel = new Map<string, number[]>();
    for (const e of llm) {
      expect(MODELS.find((m) => m.model === e.model)?.provider).toBe(e.provider);
      if (e.status === 'ok') byModel.set(e.model!, [...(byModel.get(e.model!) ?? []), e.duration_ms!]);
      expect(e.input_tokens).toBeGreaterThan(0);
      if (e.status === 'ok') expect(e.ttft_ms).toBeLessThan(e.duration_ms!);
    }
    const shares = [...byModel].map(([m, d]) => [m, d.length] as const).sort((a, b) => b[1] - a[1]);
    expect(shares[0]![0]).toBe('gpt-4o-mini');
    expect(shares.map((s) => s[0]).sort()).toEqual(MODELS.map((m) => m.model).sort());
    const median = (m: string): number => { const d = [...byModel.get(m)!].sort((a, b) => a - b); return d[d.length >> 1]!; };
    expect(median('claude-3-5-sonnet-20241022')).toBeGreaterThan(median('gpt-4o-mini') * 1.5);
    const priced = llm.filter((e) => e.cost_usd !== undefined).length;
    expect(priced / llm.length).toBeLessThan(0.02);
    expect(priced).toBeGreaterThan(0);
  });

  it("names models the server's pricing table prices, at the prices the catalogue documents", () => {
    const pricing = createPricing([]);
    for (const m of MODELS) {
      const p = pricing.lookup(m.model, Date.UTC(2025, 5, 1), m.provider);
      expect([m.model, p?.input_per_mtok, p?.output_per_mtok]).toEqual([m.model, m.inputPerMTok, m.outputPerMTok]);
    }
  });

  it("gives the server's enrichment work: every LLM call priced, persona sentiment from message text", () => {
    const { records } = validateEvents(events, END);
    const enricher = createEnricher({ pricing: createPricing([]) });
    for (const r of records) enricher.enrich(r, { storeText: false });
    const llm = records.filter((r) => r.type === 'llm');
    expect(llm.filter((r) => r.cost_usd === null)).toEqual([]);
    expect(llm.filter((r) => r.model === 'llama3.2').every((r) => r.cost_usd === 0)).toBe(true);
    expect(llm.filter((r) => r.model === 'gpt-4o' && r.output_tokens! > 0).every((r) => r.cost_usd! > 0)).toBe(true);
    const msgs = records.filter((r) => r.type === 'message');
    const withText = msgs.filter((r) => r.sentiment !== null);
    expect(withText.length / msgs.length).toBeGreaterThan(0.65);
    expect(withText.length / msgs.length).toBeLessThan(0.75);
    const mean = (p: string): number => { const s = withText.filter((r) => r.persona === p).map((r) => r.sentiment!); return s.reduce((a, b) => a + b, 0) / s.length; };
    expect(mean('scav')).toBeLessThan(0);
    expect(mean('toad')).toBeGreaterThan(mean('dagoth_ur'));
    expect(mean('dagoth_ur')).toBeGreaterThan(0);
  });

  it('follows the diurnal rhythm: evening peak, night trough, busier weekends', () => {
    const byHour = new Array<number>(24).fill(0);
    let weekend = 0;
    for (const e of events) {
      const d = new Date(e.ts as number);
      byHour[d.getUTCHours()]!++;
      if (d.getUTCDay() === 0 || d.getUTCDay() === 6) weekend++;
    }
    expect(byHour[20]!).toBeGreaterThan(5 * byHour[4]!);
    expect(byHour[20]!).toBeGreaterThan(byHour[12]!);
    // Per day, weekends carry 1.25× a weekday's traffic: 2·1.25 / (5 + 2·1.25) of the total.
    expect(weekend / N).toBeGreaterThan(0.32);
    expect(weekend / N).toBeLessThan(0.35);
  });

  it('skews activity across thousands of users (Zipf-like), with sessions split by inactivity', () => {
    const perUser = new Map<string, number>();
    for (const e of events) if (e.user_id) perUser.set(e.user_id, (perUser.get(e.user_id) ?? 0) + 1);
    expect(perUser.size).toBeGreaterThan(3500);
    expect(perUser.size).toBeLessThanOrEqual(5000);
    const counts = [...perUser.values()].sort((a, b) => b - a);
    const total = counts.reduce((a, b) => a + b, 0);
    const top20 = counts.slice(0, 1000).reduce((a, b) => a + b, 0);
    expect(top20 / total).toBeGreaterThan(0.7);
    expect(counts[0]! / total).toBeLessThan(0.05);

    const last = new Map<string, { ts: number; session: string }>();
    let continued = 0;
    // Any event carrying a session keeps it alive (messages, their LLM calls, feedback).
    for (const e of events) {
      if (e.session_id === undefined) continue;
      const prev = last.get(e.user_id!);
      const ts = e.ts as number;
      if (prev) {
        if (ts - prev.ts <= SESSION_GAP_MS) {
          expect(e.session_id).toBe(prev.session);
          continued++;
        } else {
          expect(e.session_id).not.toBe(prev.session);
        }
      }
      last.set(e.user_id!, { ts, session: e.session_id! });
    }
    expect(continued).toBeGreaterThan(ofType('message').length);
  });

  it('gives the personas different popularity and satisfaction', () => {
    const msgs = ofType('message');
    const share = (p: string): number => msgs.filter((e) => e.persona === p).length / msgs.length;
    expect(share('scav')).toBeGreaterThan(share('dagoth_ur'));
    expect(share('dagoth_ur')).toBeGreaterThan(share('toad'));
    expect(share('toad')).toBeGreaterThan(share('hal9000'));
    expect(share('hal9000')).toBeGreaterThan(0.1);
    const fb = ofType('feedback');
    const mean = (p: string): number => { const v = fb.filter((e) => e.persona === p).map((e) => e.value!); return v.reduce((a, b) => a + b, 0) / v.length; };
    expect(fb.every((e) => Number.isInteger(e.value) && e.value! >= 1 && e.value! <= 5)).toBe(true);
    expect(mean('hal9000')).toBeGreaterThan(mean('scav'));
    const banter = ofType('interaction');
    expect(banter.every((e) => e.persona !== e.target && e.value! >= 0 && e.value! <= 100)).toBe(true);
    const pair = banter.filter((e) => e.persona === 'scav' && e.target === 'toad').map((e) => e.value!);
    expect(pair.reduce((a, b) => a + b, 0) / pair.length).toBeCloseTo(85, 0);
  });

  it('carries seed 002 KPI fields on payments, jobs and HTTP requests', () => {
    for (const p of ofType('payment')) {
      expect(p.value).toBeGreaterThan(0);
      expect(['card', 'paypal', 'apple_pay', 'google_pay', 'crypto']).toContain(p.attributes!.payment_method);
      expect(['basic', 'premium', 'pro']).toContain(p.attributes!.plan);
    }
    const failedPayments = ofType('payment').filter((e) => e.status === 'error').length / ofType('payment').length;
    expect(failedPayments).toBeGreaterThan(0.03);
    expect(failedPayments).toBeLessThan(0.12);
    expect(new Set(ofType('job').map((e) => e.attributes!.queue_name))).toEqual(new Set(['main-queue', 'image-queue']));
    const http = ofType('http');
    expect(http.every((e) => typeof e.name === 'string' && e.name.startsWith('/'))).toBe(true);
    expect(http.some((e) => e.name === '/v1/chat/:id')).toBe(true);
    const codes = http.map((e) => e.attributes!.status_code as number);
    expect(codes.some((c) => c >= 400 && c < 500)).toBe(true);
    expect(http.filter((e) => (e.attributes!.status_code as number) >= 500).every((e) => e.status === 'error')).toBe(true);
    expect(http.filter((e) => (e.attributes!.status_code as number) < 500).every((e) => e.status === 'ok')).toBe(true);
  });
});

describe('nextEventAt', () => {
  it('continues one world: the LLM call of a message comes next, at the time asked', () => {
    const world = createWorld({ seed: 5, users: 50 });
    let sawPair = false;
    for (let i = 0; i < 200; i++) {
      const e = nextEventAt(world, START + i * 1000);
      expect(e.ts).toBe(START + i * 1000);
      if (e.type === 'message') {
        const l = nextEventAt(world, START + i * 1000 + 1);
        expect(l.type).toBe('llm');
        expect(l.ts).toBe(START + i * 1000 + 1);
        expect(l.session_id).toBe(e.session_id);
        sawPair = true;
      }
      if (e.user_id) expect(Number(e.user_id.slice(1))).toBeLessThan(50);
    }
    expect(sawPair).toBe(true);
  });
});
