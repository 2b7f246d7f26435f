import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Monitoring } from '../monitoring/monitoring.js';
import { silentLogger } from '../transport/log.js';
import { loadStartPulse, startRealPulse, type RealPulse } from '../test-support/real-pulse.js';
import { applyContext } from '../monitoring/context.js';
import { startFakePulse } from '../test-support/fake-pulse.js';
import type { EventInput } from '@pulse/protocol';
import { SESSION_GAP_MS, Sessions, trackEvolution } from './persona.js';

/**
 * The persona helpers end to end: events shipped by the SDK into the real server, read back through
 * the analytics endpoints they exist for.
 */
const start = await loadStartPulse();
if (typeof start === 'string') console.log(`skipped: persona helpers against the real server — ${start}`);
const describeReal = typeof start === 'string' ? describe.skip : describe;

describe('Sessions', () => {
  it('keeps an id while messages keep coming and opens a new one after the gap', () => {
    let t = Date.parse('2026-03-09T10:00:00Z');
    const s = new Sessions(SESSION_GAP_MS, () => t);
    const first = s.idFor('u1');
    t += SESSION_GAP_MS; // exactly the gap: still the same session
    expect(s.idFor('u1')).toBe(first);
    expect(s.idFor('u2')).not.toBe(first);
    t += SESSION_GAP_MS + 1;
    const second = s.idFor('u1');
    expect(second).not.toBe(first);
    expect(s.idFor('u1')).toBe(second);
  });

  it('costs O(1) per message however many conversations are open (a bot with 20,000 users in half an hour)', () => {
    let t = 0;
    const s = new Sessions(SESSION_GAP_MS, () => t);
    const started = performance.now();
    for (let i = 0; i < 20_000; i++) {
      t += 10;
      s.idFor(`user-${i}`);
    }
    for (let i = 0; i < 20_000; i++) {
      t += 10;
      s.idFor(`user-${i % 500}`);
    }
    // A scan of every open session per call took ~5 s here for the first loop alone (quadratic).
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('forgets idle keys while keeping the ones still in use, whatever order they were opened in', () => {
    let t = 0;
    const s = new Sessions(1000, () => t);
    const a = s.idFor('a');
    t = 10;
    const b = s.idFor('b');
    t = 900;
    expect(s.idFor('a')).toBe(a); // `a` used again: now the most recent
    t = 1500; // `b` idle 1490 ms > gap, `a` idle 600 ms
    expect(s.idFor('a')).toBe(a);
    expect(s.idFor('b')).not.toBe(b);
  });
});

describe('trackEvolution', () => {
  it('keeps every context field it is given (session and prompt too), as trackBanter and trackAffinity do', () => {
    const shipped: EventInput[] = [];
    const sink = { ship: (e: EventInput, ctx?: Parameters<typeof applyContext>[1]) => shipped.push(applyContext(e, ctx)) > 0 };
    trackEvolution(sink, { persona: 'scav', kind: 'xp', amount: 5, userId: 'u1', sessionId: 's1', promptId: 'p1', channel: 'general' });
    expect(shipped[0]).toMatchObject({
      type: 'evolution', name: 'xp', value: 5, persona: 'scav', user_id: 'u1', session_id: 's1', prompt_id: 'p1', channel: 'general',
    });
  });

  it('fields not given still come from the ambient context', async () => {
    const fake = await startFakePulse();
    const monitoring = new Monitoring({ service: 'bot', url: fake.url, logger: silentLogger, env: {}, defaultMetrics: false });
    monitoring.withContext({ userId: 'u9', guild: 'g1' }, () => monitoring.trackEvolution({ persona: 'scav', kind: 'level', level: 2, sessionId: 's2' }));
    await monitoring.shutdown();
    await fake.close();
    expect(fake.stored[0]?.event).toMatchObject({ name: 'level', user_id: 'u9', guild: 'g1', session_id: 's2', persona: 'scav' });
  });
});

describeReal('persona helpers against the real Pulse server', () => {
  let pulse: RealPulse;
  let monitoring: Monitoring;
  beforeAll(async () => {
    if (typeof start === 'string') return;
    pulse = await startRealPulse(start);
    monitoring = new Monitoring({ service: 'bot', environment: 'test', url: pulse.url, logger: silentLogger, env: {}, defaultMetrics: false });
  });
  afterAll(async () => {
    await monitoring?.shutdown();
    await pulse?.close();
  });

  it('banter, affinity and evolution reach the relationship matrix and persona evolution', async () => {
    monitoring.trackBanter({ persona: 'scav', target: 'toad', affinity: 60, stage: 'friends', exchangeLength: 3, continued: true, topic: 'gaming' });
    await new Promise((r) => setTimeout(r, 5)); // a later millisecond: "latest" must be unambiguous
    monitoring.trackBanter({ persona: 'toad', target: 'scav', affinity: 85, exchangeLength: 5, continued: false, topic: 'food' });
    monitoring.trackAffinity({ persona: 'scav', userId: 'u1', affinity: 42 });
    monitoring.trackEvolution({ persona: 'scav', kind: 'level', level: 3 });
    monitoring.trackEvolution({ persona: 'scav', kind: 'xp', amount: 120 });
    await new Promise((r) => setTimeout(r, 5));
    monitoring.trackEvolution({ persona: 'scav', kind: 'xp', amount: 30 });
    monitoring.trackEvolution({ persona: 'scav', kind: 'level', level: 4 });
    monitoring.trackEvolution({ persona: 'scav', kind: 'milestone', milestone: 'first_friend' });
    monitoring.trackEvolution({ persona: 'scav', kind: 'trait', trait: 'wisdom' });
    monitoring.trackMessage({ persona: 'scav', userId: 'u1', sessionId: new Sessions().idFor('u1'), text: 'Want to play a game? 🎮', direction: 'out' });
    expect(await monitoring.client.flush()).toBe(true);

    const rel = await (await fetch(`${pulse.url}/api/analytics/personas/relationships`)).json();
    // Latest affinity in either direction (85), no stage on the latest: the latest sent stage stands.
    expect(rel.persona_relationships.relationship_matrix.scav.toad).toEqual({ affinity: 85, stage: 'friends', interactions: 2 });
    const banter = await (await fetch(`${pulse.url}/api/analytics/banter`)).json();
    expect(banter.banter_analytics).toMatchObject({ success_rate: 0.5, avg_exchange_length: 4, popular_topics: ['food', 'gaming'] });
    const personas = await (await fetch(`${pulse.url}/api/analytics/personas`)).json();
    expect(personas.persona_analytics.scav.evolution).toEqual({ current_level: 4, total_xp: 150, milestones_completed: 1, unlocked_traits: ['wisdom'] });
    expect(personas.persona_analytics.scav.content_analysis.response_patterns).toEqual({ questions_asked: 1, emojis_used: 1, mentions_others: 0 });
    const prefs = await (await fetch(`${pulse.url}/api/analytics/users/preferences`)).json();
    expect(prefs.user_persona_analytics.user_preferences.u1.relationship_levels).toEqual({ scav: 42 });
  });
});
