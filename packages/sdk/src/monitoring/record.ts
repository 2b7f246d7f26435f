import { errorMessageOf, errorTypeOf } from './error-info.js';
import type { MonitoringCore } from './core.js';
import type { HttpSample, LLMCall } from '../instrument/types.js';

/** One served request: the two seed 002 HTTP families and an `http` event (5xx = status error). */
export function recordHttp(core: MonitoringCore, s: HttpSample): void {
  const labels = {
    service: core.service,
    route: core.label('route', s.route),
    method: s.method,
    status_code: String(s.statusCode),
  };
  core.metrics.httpRequests.inc(labels);
  core.metrics.httpRequestDuration.observe(labels, s.durationMs / 1000);
  const failed = s.statusCode >= 500;
  core.ship({
    type: 'http',
    name: s.route.slice(0, 256),
    duration_ms: s.durationMs,
    status: failed ? 'error' : 'ok',
    ...(failed ? { error_type: `http_${s.statusCode}` } : {}),
    attributes: { method: s.method, status_code: s.statusCode },
  });
}

function httpStatusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/**
 * One model call: `token_spend_total{model,type=prompt|completion}` (prompt = every input token, cached
 * ones included) and an `llm` event with tokens,
 * latency, time to first token, finish reason and, on failure, the error type.
 */
export function recordLLM(core: MonitoringCore, c: LLMCall): void {
  const model = core.label('model', c.model);
  if (c.inputTokens) core.metrics.tokenSpend.inc({ service: core.service, model, type: 'prompt' }, c.inputTokens);
  if (c.outputTokens) core.metrics.tokenSpend.inc({ service: core.service, model, type: 'completion' }, c.outputTokens);
  const attributes: Record<string, string | number | boolean> = { stream: c.stream };
  if (c.finishReason) attributes.finish_reason = c.finishReason.slice(0, 256);
  if (c.aborted) attributes.aborted = true;
  const status = httpStatusOf(c.error);
  if (status !== undefined) attributes.http_status = status;
  const { name, ...ctx } = c.context ?? {};
  core.ship(
    {
      type: 'llm',
      name: name ?? (c.stream ? 'chat_stream' : 'chat'),
      model: c.model,
      provider: c.provider,
      input_tokens: c.inputTokens,
      output_tokens: c.outputTokens,
      duration_ms: c.durationMs,
      ttft_ms: c.ttftMs,
      status: c.error === undefined ? 'ok' : 'error',
      ...(c.error === undefined ? {} : { error_type: errorTypeOf(c.error), error_message: errorMessageOf(c.error) }),
      attributes,
    },
    ctx,
  );
}
