/**
 * Schema-valid input → EventRecord. One object literal with every field, so all records share one
 * hidden class; this and the compiled schema check are the whole per-event cost of ingest validation.
 */
import type { EventInput, EventRecord, Severity } from './event.js';
import { LIMITS } from './limits.js';
import { parseRfc3339 } from './rfc3339.js';

/** Numbers and booleans become strings; the input object is left untouched. */
function stringifyAttributes(attrs: Record<string, string | number | boolean>): Record<string, string> {
  for (const k in attrs) {
    if (typeof attrs[k] !== 'string') {
      // Spread defines own properties, so a key named "__proto__" stays a plain key.
      const out: Record<string, string | number | boolean> = { ...attrs };
      for (const j in out) out[j] = String(out[j]);
      return out as Record<string, string>;
    }
  }
  return attrs as Record<string, string>;
}

/** The `ts` of the record, or an error message. */
function eventTime(ts: string | number | undefined, nowMs: number): number | string {
  let ms: number;
  if (ts === undefined) return nowMs;
  if (typeof ts === 'number') {
    ms = Math.floor(ts);
  } else {
    ms = parseRfc3339(ts);
    if (Number.isNaN(ms)) return 'ts: not a valid date-time (a field is out of range)';
    if (ms < LIMITS.minTsMs) return 'ts: before 2000-01-01';
  }
  if (ms > nowMs + LIMITS.maxFutureMs) return 'ts: more than 24h in the future';
  return ms;
}

/** `e` must have passed the schema check. Returns the record or an error message. */
export function normalise(e: EventInput, nowMs: number): EventRecord | string {
  const ts = eventTime(e.ts, nowMs);
  if (typeof ts === 'string') return ts;
  const errorType = e.error_type ?? null;
  const severity = e.severity === undefined ? null : e.severity === 'warning' ? 'medium' : (e.severity as Severity);
  return {
    id: e.id ?? null,
    ts,
    type: e.type,
    name: e.name ?? null,
    service: e.service ?? null,
    environment: e.environment ?? null,
    user_id: e.user_id ?? null,
    session_id: e.session_id ?? null,
    persona: e.persona ?? null,
    channel: e.channel ?? null,
    guild: e.guild ?? null,
    prompt_id: e.prompt_id ?? null,
    model: e.model ?? null,
    provider: e.provider ?? null,
    input_tokens: e.input_tokens ?? null,
    output_tokens: e.output_tokens ?? null,
    cost_usd: e.cost_usd ?? null,
    duration_ms: e.duration_ms ?? null,
    ttft_ms: e.ttft_ms ?? null,
    status: e.status ?? (errorType !== null || e.type === 'error' ? 'error' : 'ok'),
    error_type: errorType,
    error_message: e.error_message ?? null,
    severity,
    value: e.value ?? null,
    target: e.target ?? null,
    text: e.text ?? null,
    sentiment: e.sentiment ?? null,
    phases: e.phases ?? null,
    attributes: e.attributes === undefined ? null : stringifyAttributes(e.attributes),
  };
}
