import type { StoredEvent } from '@pulse/protocol';

/** A stored `llm` event of service `bot` (100 ms, ok) a minute before `now`, with `over` on top: engine tests' rows. */
export function storedEvent(now: number, over: Partial<StoredEvent> = {}): StoredEvent {
  return {
    id: null, ts: now - 60_000, type: 'llm', name: null, service: 'bot', environment: null, user_id: null, session_id: null, persona: null,
    channel: null, guild: null, prompt_id: null, model: null, provider: null, input_tokens: null, output_tokens: null, cost_usd: null,
    duration_ms: 100, ttft_ms: null, status: 'ok', error_type: null, error_message: null, severity: null, value: null, target: null,
    text: null, sentiment: null, phases: null, attributes: null, project: 'default', ...over,
  };
}
