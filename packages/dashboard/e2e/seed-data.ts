import type { EventInput } from '@pulse/protocol';
import { syntheticEvents } from '../../server/src/synthetic/index.ts';
import { postEvents } from './support.ts';

/** Names that would run script if any of them reached innerHTML. */
export const XSS = {
  persona: '<img src=x onerror=alert(1)>',
  model: '<svg onload=alert(2)>',
  channel: '"><script>alert(3)</script>',
  user: 'u<b>bold</b><img src=y onerror=alert(4)>',
};

const MIN = 60_000;

/**
 * Realistic traffic: three days of the synthetic world (mostly older than an hour, so the 1h, 24h and
 * 7d ranges differ), a staging environment (so every filter has at least two values), and a handful of
 * events whose persona, model, channel and user are HTML.
 */
export function seedEvents(now: number): EventInput[] {
  const older = [...syntheticEvents({ seed: 11, users: 400, startMs: now - 3 * 1440 * MIN, endMs: now - 90 * MIN, count: 4000 })];
  const recent = [...syntheticEvents({ seed: 12, users: 400, startMs: now - 50 * MIN, endMs: now - 2 * MIN, count: 500 })];
  // A little traffic ten days ago, so the 30-day range holds more than the 7-day one.
  const lastWeek = [...syntheticEvents({ seed: 13, users: 50, startMs: now - 10 * 1440 * MIN, endMs: now - 9 * 1440 * MIN, count: 60 })];
  const staging: EventInput[] = [];
  for (let i = 0; i < 12; i++) {
    const ts = now - (40 - i * 3) * MIN;
    staging.push({ ts, type: 'message', service: 'bot', environment: 'staging', persona: 'scav', channel: 'testing', user_id: `stage-${i % 4}`, guild: 'g-stage', sentiment: 0.2 });
    staging.push({ ts: ts + 500, type: 'llm', service: 'bot', environment: 'staging', persona: 'scav', channel: 'testing', user_id: `stage-${i % 4}`, model: 'gpt-4o-mini', provider: 'openai', input_tokens: 300 + i, output_tokens: 80, duration_ms: 900 + i * 50, ttft_ms: 250, status: i === 5 ? 'error' : 'ok', ...(i === 5 ? { error_type: 'Rate Limit' } : {}) });
  }
  const xss: EventInput[] = [];
  for (let i = 0; i < 3; i++) {
    const ts = now - (20 - i) * MIN;
    xss.push({ ts, type: 'message', service: 'bot', environment: 'prod', persona: XSS.persona, channel: XSS.channel, user_id: XSS.user, guild: 'g1', sentiment: -0.5 });
    xss.push({ ts: ts + 700, type: 'llm', service: 'bot', environment: 'prod', persona: XSS.persona, channel: XSS.channel, user_id: XSS.user, model: XSS.model, provider: 'x', input_tokens: 100, output_tokens: 50, cost_usd: 0.01, duration_ms: 1200, ttft_ms: 300, status: 'error', error_type: '<i>Boom</i>', phases: { llm_inference: 1100 } });
  }
  return [...lastWeek, ...older, ...recent, ...staging, ...xss].sort((a, b) => Number(a.ts) - Number(b.ts));
}

export async function seed(base: string, now: number, key?: string): Promise<EventInput[]> {
  const events = seedEvents(now);
  for (let i = 0; i < events.length; i += 2000) await postEvents(base, events.slice(i, i + 2000), key);
  return events;
}

const DAY = 1440 * MIN;

/**
 * A long history for the History section: the synthetic world over the last 88 days (so the 90-day range
 * holds it all and the 30-day range a third of it), a quieter earlier quarter (the "previous period" of the
 * 90-day view, so every change has something to compare with), and a little traffic 200–300 days ago that
 * only the 1-year range reaches. Ingest accepts any past timestamp from 2000 on; the server must keep raw
 * events that long (METRICS_RETENTION_DAYS, default 30), or retention deletes the old ones a minute after start.
 */
export function historyEvents(now: number): EventInput[] {
  return [
    ...syntheticEvents({ seed: 23, users: 60, startMs: now - 300 * DAY, endMs: now - 200 * DAY, count: 300 }),
    ...syntheticEvents({ seed: 22, users: 200, startMs: now - 170 * DAY, endMs: now - 95 * DAY, count: 1500 }),
    ...syntheticEvents({ seed: 21, users: 400, startMs: now - 88 * DAY, endMs: now - 60 * MIN, count: 4000 }),
  ];
}

export async function seedHistory(base: string, now: number): Promise<EventInput[]> {
  const events = historyEvents(now);
  for (let i = 0; i < events.length; i += 2000) await postEvents(base, events.slice(i, i + 2000));
  return events;
}
