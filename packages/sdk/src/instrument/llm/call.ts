import type { LLMCall, LLMContext, LLMRecorder } from '../types.js';

export interface LLMWrapOptions extends LLMContext {
  /** Provider name in events; default `openai` / `anthropic` (set it for Azure, OpenRouter, a local vLLM …). */
  provider?: string;
}

const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.round(v) : undefined);

/** One model call being measured: the wrappers feed it what they see, and it reports once. */
export class CallMeter {
  private readonly started = performance.now();
  model: string | undefined;
  /** The prompt as the provider counts it: OpenAI's `prompt_tokens` include cache reads, Anthropic's `input_tokens` leave out both cache kinds. */
  inputTokens: number | undefined;
  outputTokens: number | undefined;
  cacheReadTokens: number | undefined;
  cacheWriteTokens: number | undefined;
  /** Anthropic: `inputTokens` leave out the cached ones, so the prompt is their sum. */
  cacheExcludedFromInput = false;
  finishReason: string | undefined;
  private ttftMs: number | undefined;
  private reported = false;

  constructor(
    private readonly recorder: LLMRecorder,
    private readonly provider: string,
    private readonly options: LLMWrapOptions,
    model: unknown,
    readonly stream: boolean,
  ) {
    this.model = typeof model === 'string' ? model : undefined;
  }

  firstToken(): void {
    this.ttftMs ??= performance.now() - this.started;
  }

  usage(input: unknown, output: unknown): void {
    this.inputTokens = count(input) ?? this.inputTokens;
    this.outputTokens = count(output) ?? this.outputTokens;
  }

  /** Prompt tokens read from (`read`) and written to (`write`) the provider's prompt cache; cumulative, like `usage`. */
  cacheUsage(read: unknown, write: unknown): void {
    this.cacheReadTokens = count(read) ?? this.cacheReadTokens;
    this.cacheWriteTokens = count(write) ?? this.cacheWriteTokens;
  }

  /** Every prompt token, cached or not. */
  promptTokens(): number | undefined {
    if (!this.cacheExcludedFromInput || (this.cacheReadTokens === undefined && this.cacheWriteTokens === undefined)) return this.inputTokens;
    return (this.inputTokens ?? 0) + (this.cacheReadTokens ?? 0) + (this.cacheWriteTokens ?? 0);
  }

  report(end: { error?: unknown; aborted?: boolean } = {}): void {
    if (this.reported) return;
    this.reported = true;
    const { provider: _p, ...context } = this.options;
    const call: LLMCall = {
      provider: this.options.provider ?? this.provider,
      model: this.model,
      inputTokens: this.promptTokens(),
      outputTokens: this.outputTokens,
      cacheReadTokens: this.cacheReadTokens,
      cacheWriteTokens: this.cacheWriteTokens,
      durationMs: performance.now() - this.started,
      ttftMs: this.ttftMs,
      finishReason: this.finishReason,
      stream: this.stream,
      aborted: end.aborted,
      error: end.error,
      context,
    };
    try {
      this.recorder.recordLLM(call);
    } catch {
      // Instrumentation never throws into the host's model call.
    }
  }
}
