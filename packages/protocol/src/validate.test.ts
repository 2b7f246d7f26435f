import { describe, expect, it } from 'vitest';
import type { EventRecord } from './event.js';
import { LIMITS } from './limits.js';
import { validateEvent } from './validate.js';

const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);
const s = (n: number): string => 'a'.repeat(n);
const keys = (n: number, value: number | string): Record<string, number | string> =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, value]));

function errorOf(event: unknown): string {
  const r = validateEvent(event, NOW);
  if (r.ok) throw new Error(`expected a rejection of ${JSON.stringify(event)}`);
  return r.error;
}
function recordOf(event: unknown): EventRecord {
  const r = validateEvent(event, NOW);
  if (!r.ok) throw new Error(r.error);
  return r.record;
}

const STR = (n: number): string => `must be a string of at most ${n} characters`;
const FLOAT_MAX = `<= ${LIMITS.maxFloat32}`;

/** field, values accepted (limits included), values rejected (one past the limit), the message. */
const RULES: [string, unknown[], unknown[], string][] = [
  ['id', ['a', s(64)], ['', s(65), 5], 'id: must be a non-empty string of at most 64 characters'],
  ['name', [s(256)], [s(257), null], `name: ${STR(256)}`],
  ['service', [s(128)], [s(129)], `service: ${STR(128)}`],
  ['environment', [s(128)], [s(129)], `environment: ${STR(128)}`],
  ...(['user_id', 'session_id', 'persona', 'channel', 'guild', 'prompt_id', 'model', 'provider', 'target'] as const)
    .map((f): [string, unknown[], unknown[], string] => [f, [s(256)], [s(257), 1, true], `${f}: ${STR(256)}`]),
  ['error_type', [s(256)], [s(257)], `error_type: ${STR(256)}`],
  ['error_message', [s(4096)], [s(4097)], `error_message: ${STR(4096)}`],
  ['text', [s(16_384)], [s(16_385), ['hi']], `text: ${STR(16_384)}`],
  ...(['input_tokens', 'output_tokens'] as const).map((f): [string, unknown[], unknown[], string] =>
    [f, [0, 1, 2_147_483_647], [-1, 1.5, 2_147_483_648, '5', null], `${f}: must be an integer >= 0 and <= 2147483647`]),
  ['cost_usd', [0, 0.000_001, 1e9, 1e18], [-0.01, '0.1', 1.1e18, 1e308], 'cost_usd: must be a number >= 0 and <= 1000000000000000000'],
  ...(['duration_ms', 'ttft_ms'] as const).map((f): [string, unknown[], unknown[], string] =>
    [f, [0, 12.5, LIMITS.maxFloat32], [-1, 1e39, Infinity, NaN], `${f}: must be a number >= 0 and ${FLOAT_MAX}`]),
  ['status', ['ok', 'error'], ['failed', 'OK'], 'status: must be one of "ok", "error"'],
  ['severity', ['info', 'low', 'medium', 'high', 'critical', 'warning'], ['fatal', 'warn', 3],
    'severity: must be one of "info", "low", "medium", "high", "critical", "warning"'],
  ['value', [-5, 0, 1e18, -1e18], ['1', true, 1e300, -1.1e18], 'value: must be a number >= -1000000000000000000 and <= 1000000000000000000'],
  ['sentiment', [-1, 0, 1], [-1.01, 1.01, '0.5'], 'sentiment: must be a number >= -1 and <= 1'],
  ['ts', ['2025-06-01T10:00:00Z', '2025-06-01T10:00:00.123+02:00', LIMITS.minTsMs, NOW],
    ['2025-06-01', 'yesterday', 1_717_000_000, LIMITS.minTsMs - 1, true],
    'ts: must be an RFC 3339 date-time string or epoch milliseconds since 2000-01-01'],
  ['phases', [{}, keys(16, 1), { llm_inference: 0, 'tts.generation-2': 1.5 }], [keys(17, 1), [], 'x'],
    'phases: must be an object with at most 16 keys'],
  ['attributes', [{}, keys(32, 'v'), { a: s(1024), b: 1, c: false }], [keys(33, 'v'), [1]],
    'attributes: must be an object with at most 32 keys'],
];

describe('validateEvent: field rules', () => {
  for (const [field, good, bad, message] of RULES) {
    it(`${field}: accepts ${good.length} values at and within the limits`, () => {
      for (const v of good) expect(validateEvent({ type: 'llm', [field]: v }, NOW)).toMatchObject({ ok: true });
    });
    it(`${field}: rejects ${bad.length} values with "${message.slice(0, 60)}…"`, () => {
      for (const v of bad) expect(errorOf({ type: 'llm', [field]: v })).toBe(message);
    });
  }
});

describe('validateEvent: type', () => {
  const rule = 'type: must be a builtin type (llm, message, http, job, payment, error, feedback, metric, user, '
    + 'interaction) or a custom type matching ^[a-z][a-z0-9_.-]{0,63}$';
  it.each(['llm', 'message', 'http', 'job', 'payment', 'error', 'feedback', 'metric', 'user', 'interaction',
    'checkout.started', 'my_type-2', `a${s(63)}`])('accepts %s', (type) => {
    expect(recordOf({ type }).type).toBe(type);
  });
  it.each(['LLM', '1abc', '', 'a b', `a${s(64)}`, 7])('rejects %j', (type) => {
    expect(errorOf({ type })).toBe(rule);
  });
  it('is required', () => expect(errorOf({ model: 'x' })).toBe('type: required'));
});

describe('validateEvent: shape', () => {
  it.each([null, [], 'llm', 42, true])('rejects a non-object %j', (raw) => {
    expect(errorOf(raw)).toBe('event: must be a JSON object');
  });
  it('rejects unknown top-level fields, naming them', () => {
    expect(errorOf({ type: 'llm', foo: 1 })).toBe('unknown field "foo" (put custom data in attributes)');
    expect(errorOf(JSON.parse('{"type":"llm","__proto__":{"x":1}}'))).toBe(
      'unknown field "__proto__" (put custom data in attributes)');
  });
  it('names the bad key or value inside phases and attributes', () => {
    const keyRule = 'must be a string of at most 64 characters matching ^[A-Za-z_][A-Za-z0-9_.-]{0,63}$';
    expect(errorOf({ type: 'llm', phases: { 'a b': 1 } })).toBe(`phases: key "a b" ${keyRule}`);
    expect(errorOf({ type: 'llm', phases: { [s(65)]: 1 } })).toBe(`phases: key "${s(65)}" ${keyRule}`);
    expect(errorOf({ type: 'llm', phases: { llm: -1 } })).toBe(`phases.llm: must be a number >= 0 and ${FLOAT_MAX}`);
    expect(errorOf({ type: 'llm', phases: { llm: '5' } })).toBe(`phases.llm: must be a number >= 0 and ${FLOAT_MAX}`);
    expect(errorOf({ type: 'llm', attributes: { '9lives': 'x' } })).toBe(`attributes: key "9lives" ${keyRule}`);
    expect(recordOf({ type: 'llm', attributes: { [s(64)]: 'x' } }).attributes).toEqual({ [s(64)]: 'x' });
    expect(errorOf({ type: 'llm', attributes: { [s(65)]: 'x' } })).toBe(`attributes: key "${s(65)}" ${keyRule}`);
    const valueRule = 'must be a string of at most 1024 characters, a number or a boolean';
    for (const v of [s(1025), null, { a: 1 }, [1]]) {
      expect(errorOf({ type: 'llm', attributes: { plan: v } })).toBe(`attributes.plan: ${valueRule}`);
    }
  });
});

describe('validateEvent: ts', () => {
  it('takes the server time when absent', () => expect(recordOf({ type: 'llm' }).ts).toBe(NOW));
  it('parses RFC 3339 strings with offsets and fractions', () => {
    expect(recordOf({ type: 'llm', ts: '2025-06-01T14:00:00.250+02:00' }).ts).toBe(Date.UTC(2025, 5, 1, 12, 0, 0, 250));
    expect(recordOf({ type: 'llm', ts: '2025-05-31T23:00:00-01:00' }).ts).toBe(NOW - 12 * 3_600_000);
  });
  it('keeps epoch milliseconds, truncated to whole milliseconds', () => {
    expect(recordOf({ type: 'llm', ts: NOW - 1000 }).ts).toBe(NOW - 1000);
    expect(recordOf({ type: 'llm', ts: NOW - 1000.7 }).ts).toBe(NOW - 1001);
  });
  it('accepts exactly 24 h ahead and rejects one millisecond more', () => {
    expect(recordOf({ type: 'llm', ts: NOW + LIMITS.maxFutureMs }).ts).toBe(NOW + LIMITS.maxFutureMs);
    expect(errorOf({ type: 'llm', ts: NOW + LIMITS.maxFutureMs + 1 })).toBe('ts: more than 24h in the future');
    expect(errorOf({ type: 'llm', ts: '2025-06-02T12:00:00.001Z' })).toBe('ts: more than 24h in the future');
    expect(recordOf({ type: 'llm', ts: '2025-06-02T14:00:00+02:00' }).ts).toBe(NOW + LIMITS.maxFutureMs);
  });
  it('rejects impossible and pre-2000 dates', () => {
    expect(errorOf({ type: 'llm', ts: '2025-02-30T00:00:00Z' })).toBe('ts: not a valid date-time (a field is out of range)');
    expect(errorOf({ type: 'llm', ts: '2025-06-01T25:00:00Z' })).toBe('ts: not a valid date-time (a field is out of range)');
    expect(errorOf({ type: 'llm', ts: '1999-12-31T23:59:59.999Z' })).toBe('ts: before 2000-01-01');
    expect(errorOf({ type: 'llm', ts: '0001-01-01T00:00:00Z' })).toBe('ts: before 2000-01-01');
    expect(recordOf({ type: 'llm', ts: '2000-01-01T00:00:00Z' }).ts).toBe(LIMITS.minTsMs);
  });
});

describe('validateEvent: normalisation', () => {
  it('fills every absent field with null and defaults status to ok', () => {
    expect(recordOf({ type: 'message' })).toEqual({
      id: null, ts: NOW, type: 'message', name: null, service: null, environment: null, user_id: null,
      session_id: null, persona: null, channel: null, guild: null, prompt_id: null, model: null, provider: null,
      input_tokens: null, output_tokens: null, cost_usd: null, duration_ms: null, ttft_ms: null, status: 'ok',
      error_type: null, error_message: null, severity: null, value: null, target: null, text: null,
      sentiment: null, phases: null, attributes: null,
    });
  });

  it('keeps every supplied field', () => {
    const input = {
      id: 'e1', ts: '2025-06-01T11:00:00Z', type: 'llm', name: 'completion', service: 'bot', environment: 'prod',
      user_id: 'u1', session_id: 's1', persona: 'luna', channel: 'general', guild: 'g1', prompt_id: 'p1',
      model: 'gpt-4o', provider: 'openai', input_tokens: 10, output_tokens: 20, cost_usd: 0.5, duration_ms: 900,
      ttft_ms: 120, status: 'ok', error_type: 'Timeout', error_message: 'slow', severity: 'high', value: 3,
      target: 'sol', text: 'hello', sentiment: 0.25, phases: { llm_inference: 800 }, attributes: { plan: 'pro' },
    } as const;
    expect(recordOf(input)).toEqual({ ...input, ts: NOW - 3_600_000 });
  });

  it('maps severity warning to medium and keeps the others', () => {
    expect(recordOf({ type: 'error', severity: 'warning' }).severity).toBe('medium');
    expect(recordOf({ type: 'error', severity: 'critical' }).severity).toBe('critical');
  });

  it('defaults status to error when error_type is set or the type is error', () => {
    expect(recordOf({ type: 'llm', error_type: 'RateLimit' }).status).toBe('error');
    expect(recordOf({ type: 'error' }).status).toBe('error');
    expect(recordOf({ type: 'llm', error_message: 'only a message' }).status).toBe('ok');
    expect(recordOf({ type: 'error', status: 'ok' }).status).toBe('ok');
  });

  it('stores an empty name or id as no value (an anonymous user is not a user called "")', () => {
    const fields = ['name', 'service', 'environment', 'user_id', 'session_id', 'persona', 'channel', 'guild', 'prompt_id', 'model', 'provider', 'target', 'error_type'] as const;
    const r = recordOf({ type: 'llm', ...Object.fromEntries(fields.map((f) => [f, ''])) });
    for (const f of fields) expect(r[f]).toBeNull();
    expect(r.status).toBe('ok');
    expect(recordOf({ type: 'message', user_id: ' ', persona: 'a' })).toMatchObject({ user_id: ' ', persona: 'a' });
  });

  it('stringifies attribute numbers and booleans without touching the input', () => {
    const input = { type: 'llm', attributes: { plan: 'pro', seats: 3, ratio: 0.5, trial: false } };
    expect(recordOf(input).attributes).toEqual({ plan: 'pro', seats: '3', ratio: '0.5', trial: 'false' });
    expect(input.attributes.seats).toBe(3);
  });

  it('keeps an attribute named __proto__ as a plain key', () => {
    const record = recordOf(JSON.parse('{"type":"llm","attributes":{"__proto__":1,"a":"b"}}'));
    const attrs = record.attributes ?? {};
    expect(Object.getPrototypeOf(attrs)).toBe(Object.prototype);
    expect(Object.keys(attrs).sort()).toEqual(['__proto__', 'a']);
    expect(Object.getOwnPropertyDescriptor(attrs, '__proto__')?.value).toBe('1');
  });
});
