import type { EventInput } from '@pulse/protocol';
import type { TrackContext } from '../monitoring/context.js';

export interface HttpSample {
  /** Route template (`/users/:id`), never the raw URL: raw paths would explode label cardinality. */
  route: string;
  method: string;
  statusCode: number;
  durationMs: number;
}

/** What the HTTP middlewares report to; `Monitoring` implements it. */
export interface HttpRecorder {
  recordHttp(sample: HttpSample): void;
}

export interface LLMContext extends TrackContext {
  /** `token_spend_total`'s `type` label is `prompt`/`completion`; this names the call in events (`chat`, `summary` …). */
  name?: string;
}

export interface LLMCall {
  provider: string;
  model: string | undefined;
  /** Every prompt token, cached ones included (Anthropic's three input counts summed). */
  inputTokens?: number;
  outputTokens?: number;
  /** Of `inputTokens`, those read from the provider's prompt cache (OpenAI `cached_tokens`, Anthropic `cache_read_input_tokens`). */
  cacheReadTokens?: number;
  /** Of `inputTokens`, those written to the prompt cache (Anthropic `cache_creation_input_tokens`). */
  cacheWriteTokens?: number;
  durationMs: number;
  /** Time to the first content chunk; streams only. */
  ttftMs?: number;
  finishReason?: string;
  stream: boolean;
  /** The stream was abandoned before its end (the consumer stopped iterating). */
  aborted?: boolean;
  error?: unknown;
  context?: LLMContext;
}

/** What the LLM wrappers report to; `Monitoring` implements it. */
export interface LLMRecorder {
  recordLLM(call: LLMCall): void;
}

/** Where phase timers and conversation helpers send their events. */
export interface EventSink {
  ship(event: EventInput, ctx?: TrackContext): boolean;
}
