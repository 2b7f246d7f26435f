import type { StoredEvent } from '@pulse/protocol';

/**
 * A hand-built event set whose answers are worked out in the tests. The clock stands at NOW, so the
 * default range is [2025-12-11T10:00Z, 2025-12-12T10:00Z); 2025-12-12 is a Friday (ISO weekday 5).
 *
 * In range for project p1 (8 events):
 *   #  time   type      model            user  prompt     in/out    cost   ms    status / error
 *   1  08:05  llm       gpt-4o           u1    greet      100/50    0.01   100   ok
 *   2  08:20  llm       gpt-4o           u2    greet      200/100   0.02   200   ok
 *   3  08:40  llm       gpt-4o-mini      u1    summarize  300/100   0.001  300   ok
 *   4  09:10  llm       gpt-4o-mini      u3    summarize  400/200   0.002  400   error API Timeout
 *   5  09:30  llm       claude-3-sonnet  u3    —          500/100   0.03   1000  error Rate Limit
 *   6  09:45  http /v1/chat              —                                 50    ok
 *   7  09:50  http /v1/chat              —                                 150   error API Timeout
 *   8  07:00  feedback                   u4    (value 4, sentiment 0.25)         ok
 * The previous 24 h hold 2 p1 events (1 error); p2 has one event in range; one p1 event sits exactly at
 * the exclusive end.
 */
export const NOW = Date.parse('2025-12-12T10:00:00Z');
export const PROJECT = 'p1';

const at = (hhmm: string, day = '2025-12-12'): number => Date.parse(`${day}T${hhmm}:00Z`);

export function event(over: Partial<StoredEvent> & { ts: number }): StoredEvent {
  return {
    project: PROJECT, id: null, type: 'llm', name: null, service: 'bot', environment: 'prod', user_id: null,
    session_id: null, persona: null, channel: null, guild: null, prompt_id: null, model: null, provider: null,
    input_tokens: null, output_tokens: null, cost_usd: null, duration_ms: null, ttft_ms: null, status: 'ok',
    error_type: null, error_message: null, severity: null, value: null, target: null, text: null,
    sentiment: null, phases: null, attributes: null,
    ...over,
  };
}

export const EVENTS: StoredEvent[] = [
  event({
    ts: at('08:05'), model: 'gpt-4o', provider: 'openai', user_id: 'u1', prompt_id: 'greet', input_tokens: 100,
    output_tokens: 50, cost_usd: 0.01, duration_ms: 100, ttft_ms: 20, persona: 'scav', sentiment: 0.5,
    phases: { context_building: 10, llm_inference: 80 }, attributes: { channel: 'general', tier: 'pro' },
  }),
  event({
    ts: at('08:20'), model: 'gpt-4o', provider: 'openai', user_id: 'u2', prompt_id: 'greet', input_tokens: 200,
    output_tokens: 100, cost_usd: 0.02, duration_ms: 200, ttft_ms: 40, sentiment: -0.5,
    phases: { context_building: 20, llm_inference: 160 }, attributes: { channel: 'general' },
  }),
  event({
    ts: at('08:40'), model: 'gpt-4o-mini', provider: 'openai', user_id: 'u1', prompt_id: 'summarize',
    input_tokens: 300, output_tokens: 100, cost_usd: 0.001, duration_ms: 300, ttft_ms: 60,
    phases: { llm_inference: 250, discord_send: 30 }, attributes: { channel: 'random' },
  }),
  event({
    ts: at('09:10'), model: 'gpt-4o-mini', provider: 'openai', user_id: 'u3', prompt_id: 'summarize',
    input_tokens: 400, output_tokens: 200, cost_usd: 0.002, duration_ms: 400, status: 'error',
    error_type: 'API Timeout', attributes: { channel: 'random' },
  }),
  event({
    ts: at('09:30'), model: 'claude-3-sonnet', provider: 'anthropic', user_id: 'u3', input_tokens: 500,
    output_tokens: 100, cost_usd: 0.03, duration_ms: 1000, status: 'error', error_type: 'Rate Limit',
  }),
  event({ ts: at('09:45'), type: 'http', name: '/v1/chat', duration_ms: 50 }),
  event({ ts: at('09:50'), type: 'http', name: '/v1/chat', duration_ms: 150, status: 'error', error_type: 'API Timeout' }),
  event({ ts: at('07:00'), type: 'feedback', user_id: 'u4', persona: 'scav', value: 4, sentiment: 0.25 }),
  // Previous period: error rate 1/2.
  event({ ts: at('09:00', '2025-12-11'), model: 'gpt-4o', duration_ms: 100 }),
  event({ ts: at('05:00', '2025-12-11'), model: 'gpt-4o', status: 'error', error_type: 'API Timeout' }),
  // Never counted: another project, and the exclusive end of the range.
  event({ ts: at('09:00'), project: 'p2', model: 'gpt-4o', duration_ms: 9999, status: 'error', error_type: 'Other' }),
  event({ ts: at('10:00'), model: 'gpt-4o', duration_ms: 5000 }),
];
