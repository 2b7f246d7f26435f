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

/**
 * A name or id as stored: an empty string is no value. A bot that sends `user_id: ""` for anonymous users (or
 * `error_type: ""` for no error) would otherwise make them one user called "" — counted in active users, first
 * in top lists, one endless session — and mark every such event failed.
 */
const present = (s: string | undefined): string | null => (s === undefined || s === '' ? null : s);

/** `e` must have passed the schema check. Returns the record or an error message. */
export function normalise(e: EventInput, nowMs: number): EventRecord | string {
  const ts = eventTime(e.ts, nowMs);
  if (typeof ts === 'string') return ts;
  const errorType = present(e.error_type);
  const severity = e.severity === undefined ? null : e.severity === 'warning' ? 'medium' : (e.severity as Severity);
  return {
    id: e.id ?? null,
    ts,
    type: e.type,
    name: present(e.name),
    service: present(e.service),
    environment: present(e.environment),
    user_id: present(e.user_id),
    session_id: present(e.session_id),
    persona: present(e.persona),
    channel: present(e.channel),
    guild: present(e.guild),
    prompt_id: present(e.prompt_id),
    model: present(e.model),
    provider: present(e.provider),
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
    target: present(e.target),
    text: e.text ?? null,
    sentiment: e.sentiment ?? null,
    phases: e.phases ?? null,
    attributes: e.attributes === undefined ? null : stringifyAttributes(e.attributes),
  };
}
