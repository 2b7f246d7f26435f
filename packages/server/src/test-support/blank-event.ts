import type { StoredEvent } from '@pulse/protocol';

/** A stored `llm` event of project `default` at ts 0 with every optional field null, and `over` on top. */
export function blankEvent(over: Partial<StoredEvent>): StoredEvent {
  return {
    project: 'default', id: null, ts: 0, type: 'llm', name: null, service: null, environment: null, user_id: null, session_id: null,
    persona: null, channel: null, guild: null, prompt_id: null, model: null, provider: null, input_tokens: null,
    output_tokens: null, cost_usd: null, duration_ms: null, ttft_ms: null, status: 'ok', error_type: null,
    error_message: null, severity: null, value: null, target: null, text: null, sentiment: null, phases: null, attributes: null,
    ...over,
  };
}
