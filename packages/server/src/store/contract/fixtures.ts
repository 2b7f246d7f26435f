/** Events and SQL snippets shared by the store contract suites. */
import type { StoredEvent } from '@pulse/protocol';

/** A fixed instant (2025-03-04T05:06:07.089Z), so time assertions are exact. */
export const T0 = Date.UTC(2025, 2, 4, 5, 6, 7, 89);

export function emptyEvent(overrides: Partial<StoredEvent> = {}): StoredEvent {
  return {
    project: 'p1',
    id: null,
    ts: T0,
    type: 'metric',
    name: null,
    service: null,
    environment: null,
    user_id: null,
    session_id: null,
    persona: null,
    channel: null,
    guild: null,
    prompt_id: null,
    model: null,
    provider: null,
    input_tokens: null,
    output_tokens: null,
    cost_usd: null,
    duration_ms: null,
    ttft_ms: null,
    status: 'ok',
    error_type: null,
    error_message: null,
    severity: null,
    value: null,
    target: null,
    text: null,
    sentiment: null,
    phases: null,
    attributes: null,
    ...overrides,
  };
}

/**
 * Every column set. Floats are exactly representable in 32 bits, so FLOAT columns give them back
 * unchanged; strings include non-ASCII text, text longer than 12 bytes and an empty string.
 */
export function fullEvent(overrides: Partial<StoredEvent> = {}): StoredEvent {
  return emptyEvent({
    id: 'evt-0001-client-supplied',
    type: 'llm',
    name: 'completion',
    service: 'bot',
    environment: 'prod',
    user_id: 'user_42',
    session_id: 'session-9f1c2e7a-long-enough',
    persona: 'Zoë',
    channel: '#général-discussion',
    guild: '',
    prompt_id: 'prompt-7',
    model: 'gpt-4o-mini',
    provider: 'openai',
    input_tokens: 1200,
    output_tokens: 345,
    cost_usd: 0.000387,
    duration_ms: 1234.5,
    ttft_ms: 210.25,
    status: 'error',
    error_type: 'RateLimitError',
    error_message: "rate limit exceeded; retry in 20s (it's \"quoted\")",
    severity: 'high',
    value: 42.5,
    target: 'sage',
    text: 'hello there — 👋',
    sentiment: -0.5,
    phases: { context_building: 40.5, llm_inference: 900.25, discord_send: 120 },
    attributes: { channel_type: 'text', locale: 'fr-FR', 'key with spaces': 'a value longer than twelve bytes' },
    ...overrides,
  });
}

/** Repeats `make` n times with increasing ts (1 ms apart from `from`). */
export function series(n: number, make: (i: number) => Partial<StoredEvent>, from = T0): StoredEvent[] {
  return Array.from({ length: n }, (_, i) => emptyEvent({ ts: from + i, ...make(i) }));
}
