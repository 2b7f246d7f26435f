import { LIMITS, checkEventSchema, validateEvent as protocolValidate } from '@pulse/protocol';
import type { EventInput } from '@pulse/protocol';

export type Validation = { ok: true; event: EventInput } | { ok: false; field: string; reason: string };

// Free text that is too long is cut rather than losing the whole event: an error with a 10 kB message
// is still an error worth counting.
const TRUNCATE: Record<string, number> = {
  error_message: LIMITS.maxErrorMessageLength,
  text: LIMITS.maxTextLength,
};

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A copy without null/undefined entries, so later mutation by the host cannot change what is sent. */
function copyMap(v: Record<string, unknown>, maxString?: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k in v) {
    const x = v[k];
    if (x === undefined || x === null) continue;
    out[k] = maxString !== undefined && typeof x === 'string' && x.length > maxString ? x.slice(0, maxString) : x;
  }
  return out;
}

/** The protocol's message for a rejected event (`input_tokens: must be an integer >= 0 …`); slow path only. */
function failure(event: unknown, now: number): Validation {
  const res = protocolValidate(event, now);
  const message = res.ok ? 'event: invalid' : res.error;
  const unknown = /^unknown field "([^"]+)"/.exec(message);
  if (unknown) return { ok: false, field: unknown[1] ?? 'event', reason: message };
  const colon = message.indexOf(':');
  const field = colon > 0 ? message.slice(0, colon) : 'event';
  return { ok: false, field, reason: colon > 0 ? message.slice(colon + 1).trim() : message };
}

/** The SDK's own copy: shallow, with fresh attributes/phases (the cardinality guard edits attributes). */
function finish(out: Record<string, unknown>, now: number): EventInput {
  if (out.attributes) out.attributes = { ...(out.attributes as object) };
  if (out.phases) out.phases = { ...(out.phases as object) };
  if (out.ts === undefined) out.ts = now;
  return out as unknown as EventInput;
}

/** Slow path for events the schema refused as given: drop null/undefined fields, cut over-long text. */
function cleaned(input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in input) {
    let value = input[key];
    if (value === undefined || value === null) continue;
    const max = TRUNCATE[key];
    if (max !== undefined && typeof value === 'string' && value.length > max) value = value.slice(0, max);
    else if (key === 'attributes' && isPlainObject(value)) value = copyMap(value, LIMITS.maxAttributeValueLength);
    else if (key === 'phases' && isPlainObject(value)) value = copyMap(value);
    out[key] = value;
  }
  return out;
}

/**
 * Checks one event against the protocol's own compiled schema (the server's rules, so a bad event is
 * dropped here instead of costing a 207) and returns a fresh copy, so later mutation by the host cannot
 * change what is sent. `undefined`/`null` fields count as absent and over-long `text`/`error_message`
 * are cut (slow path only); `ts` defaults to now, since the event may leave minutes later.
 * The fast path checks the host's object as is and copies it with a spread: V8 clones its shape, where
 * a key-by-key copy of ~20 fields falls into dictionary mode and makes the check several times slower.
 */
export function validateEvent(input: unknown, now: number): Validation {
  if (!isPlainObject(input)) return { ok: false, field: 'event', reason: 'not an object' };
  if (checkEventSchema(input)) return { ok: true, event: finish({ ...input }, now) };
  const out = cleaned(input);
  if (out.ts === undefined) out.ts = now;
  if (checkEventSchema(out)) return { ok: true, event: finish(out, now) };
  return failure(out, now);
}
