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
  inputTokens: number | undefined;
  outputTokens: number | undefined;
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

  report(end: { error?: unknown; aborted?: boolean } = {}): void {
    if (this.reported) return;
    this.reported = true;
    const { provider: _p, ...context } = this.options;
    const call: LLMCall = {
      provider: this.options.provider ?? this.provider,
      model: this.model,
      inputTokens: this.inputTokens,
      outputTokens: this.outputTokens,
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
