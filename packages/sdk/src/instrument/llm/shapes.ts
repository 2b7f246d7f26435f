/**
 * Structural shapes of the OpenAI and Anthropic SDKs' objects: only the fields the wrappers read, so
 * neither SDK is a dependency and any compatible client (Azure OpenAI, OpenRouter, vLLM, Ollama's
 * OpenAI endpoint …) works.
 */

export interface OpenAIUsage {
  /** Includes the cached ones (`prompt_tokens_details.cached_tokens`). */
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  prompt_tokens_details?: { cached_tokens?: number | null } | null;
}
export interface OpenAIChatCompletion {
  model?: string;
  choices?: { finish_reason?: string | null }[];
  usage?: OpenAIUsage | null;
}
export interface OpenAIChatChunk {
  model?: string;
  choices?: { delta?: { content?: string | null; tool_calls?: unknown[] | null } | null; finish_reason?: string | null }[];
  usage?: OpenAIUsage | null;
}
export interface OpenAIChatParams {
  model: string;
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean } | null;
}
export interface OpenAILike {
  chat: {
    completions: {
      create(params: never, options?: never): PromiseLike<unknown>;
    };
  };
}

export interface AnthropicUsage {
  /** Excludes both cached kinds below. */
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
}
export interface AnthropicMessage {
  model?: string;
  stop_reason?: string | null;
  usage?: AnthropicUsage | null;
}
export type AnthropicStreamEvent =
  | { type: 'message_start'; message: AnthropicMessage }
  | { type: 'message_delta'; delta?: { stop_reason?: string | null }; usage?: AnthropicUsage | null }
  | { type: 'content_block_delta'; delta?: unknown }
  | { type: string };
export interface AnthropicParams {
  model: string;
  stream?: boolean | null;
}
export interface AnthropicLike {
  messages: {
    create(params: never, options?: never): PromiseLike<unknown>;
  };
}
