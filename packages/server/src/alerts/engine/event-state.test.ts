import type { StoredEvent } from '@pulse/protocol';
import { describe, expect, it } from 'vitest';
import { rule } from '../test-support/rules.js';
import type { EventRule, HealthRule, UnpricedModelRule } from '../rules/model.js';
import { EventState } from './event-state.js';

const base: StoredEvent = {
  id: null, ts: 0, type: 'llm', name: null, service: null, environment: null, user_id: null, session_id: null, persona: null,
  channel: null, guild: null, prompt_id: null, model: null, provider: null, input_tokens: null, output_tokens: null, cost_usd: null,
  duration_ms: null, ttft_ms: null, status: 'ok', error_type: null, error_message: null, severity: null, value: null, target: null,
  text: null, sentiment: null, phases: null, attributes: null, project: 'default',
};
const ev = (over: Partial<StoredEvent>): StoredEvent => ({ ...base, ...over });
const MIN = 60_000;

describe('event-driven state (fan-out side)', () => {
  it('event rules match type, name, attributes and status, and resolve after resolve_after without a match', () => {
    const payments = rule({ name: 'Payment failed', kind: 'event', types: ['payment'], status: 'error', resolve_after: '5m' }) as EventRule;
    const state = new EventState(() => 3_600_000);
    const t0 = 10 * MIN;
    const touched = state.record([
      ev({ ts: t0, type: 'payment', status: 'ok', name: 'pro' }),
      ev({ ts: t0, type: 'payment', status: 'error', name: 'pro', service: 'billing', error_message: 'card declined' }),
      ev({ ts: t0, type: 'payment', status: 'error', name: 'pro', project: 'other' }),
    ], [payments], t0);
    expect([...touched.touchedEvent]).toEqual([payments.id]);
    const [s] = state.eventSignals(payments, t0 + MIN);
    expect(s).toMatchObject({ active: true, labels: { event: 'pro', service: 'billing' }, details: { error_message: 'card declined' } });
    expect(state.eventSignals(payments, t0 + 5 * MIN)[0]!.active).toBe(false);
    expect(state.eventSignals(payments, t0 + 6 * MIN)).toEqual([]); // forgotten once reported inactive
  });

  it('counts unpriced events per model over the window (model and tokens, no cost)', () => {
    const unpriced = rule({ name: 'u', kind: 'unpriced_model', window: '10m', threshold: 3 }) as UnpricedModelRule;
    const state = new EventState(() => 3_600_000);
    const at = (m: number, model: string, over: Partial<StoredEvent> = {}) => ev({ ts: m * MIN, model, input_tokens: 10, ...over });
    state.record([at(0, 'new-model'), at(1, 'new-model'), at(20, 'new-model'), at(21, 'new-model'), at(22, 'new-model'),
      at(22, 'gpt-4o', { cost_usd: 0.01 }), at(22, 'no-tokens', { input_tokens: null }), at(22, 'other')], [], 22 * MIN);
    const signals = state.unpricedSignals(unpriced, 22 * MIN + 1);
    expect(Object.fromEntries(signals.map((s) => [s.labels.model, [s.value, s.active]]))).toEqual({ 'new-model': [3, true], other: [1, false] });
    expect(state.unpricedCounts()).toEqual({ total: 6, byModel: { 'new-model': 5, other: 1 } });
  });

  it('health: the latest state of each check, any state but healthy is active', () => {
    const db = rule({ name: 'db', kind: 'health', checks: ['database'] }) as HealthRule;
    const state = new EventState(() => 3_600_000);
    state.record([ev({ type: 'health', name: 'database', status: 'error', attributes: { state: 'degraded' } }), ev({ type: 'health', name: 'redis', status: 'error' })], [], 0);
    expect(state.healthSignals(db).map((s) => [s.labels.check, s.active, s.details.current])).toEqual([['database', true, 'degraded']]);
    state.record([ev({ type: 'health', name: 'database', attributes: { state: 'healthy' } })], [], 1);
    expect(state.healthSignals(db)[0]!.active).toBe(false);
  });

  it('health: carries seed 001\'s health alert details (service, status, last_successful_check, error_message)', () => {
    const tts = rule({ name: 'tts', kind: 'health', checks: ['tts'] }) as HealthRule;
    const state = new EventState(() => 3_600_000);
    state.record([ev({
      type: 'health', name: 'tts', error_message: 'Connection timeout to Kokoro API',
      attributes: { state: 'unhealthy', previous: 'healthy', last_success: '2025-12-12T10:25:00.000Z' },
    })], [], 0);
    expect(state.healthSignals(tts)[0]!.details).toMatchObject({
      service: 'tts', status: 'unhealthy', last_successful_check: '2025-12-12T10:25:00.000Z', error_message: 'Connection timeout to Kokoro API',
    });
    // A check that never succeeded has no last successful check.
    state.record([ev({ type: 'health', name: 'tts', attributes: { state: 'unhealthy', previous: 'unknown' } })], [], 1);
    expect(state.healthSignals(tts)[0]!.details.last_successful_check).toBeNull();
  });
});
