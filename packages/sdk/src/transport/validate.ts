import { ATTRIBUTE_KEY_PATTERN, BUILTIN_EVENT_TYPES, CUSTOM_TYPE_PATTERN, LIMITS, SEVERITIES } from '@pulse/protocol';
import type { AttributeValue, EventInput } from '@pulse/protocol';

export type Validation = { ok: true; event: EventInput } | { ok: false; field: string; reason: string };

type Check = (value: unknown) => unknown | typeof INVALID;
const INVALID = Symbol('invalid');

const str = (max: number): Check => (v) => (typeof v === 'string' && v.length <= max ? v : INVALID);
// Long free text is cut rather than losing the whole event: an error with a 10 kB message is still an error.
const truncated = (max: number): Check => (v) => (typeof v === 'string' ? (v.length > max ? v.slice(0, max) : v) : INVALID);
const nonNegInt: Check = (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : INVALID);
const nonNegNum: Check = (v) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : INVALID);
const finite: Check = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : INVALID);
const oneOf = (values: readonly string[]): Check => {
  const set = new Set(values);
  return (v) => (typeof v === 'string' && set.has(v) ? v : INVALID);
};

const builtinTypes = new Set<string>(BUILTIN_EVENT_TYPES);
const dim = str(LIMITS.maxDimensionLength);

const CHECKS: Record<string, Check> = {
  id: str(LIMITS.maxIdLength),
  ts: (v) =>
    (typeof v === 'number' && Number.isFinite(v) && v >= 0) || (typeof v === 'string' && v.length > 0 && v.length <= 64)
      ? v
      : INVALID,
  name: str(LIMITS.maxNameLength),
  service: str(LIMITS.maxServiceLength),
  environment: str(LIMITS.maxServiceLength),
  user_id: dim,
  session_id: dim,
  persona: dim,
  channel: dim,
  guild: dim,
  prompt_id: dim,
  model: dim,
  provider: dim,
  target: dim,
  input_tokens: nonNegInt,
  output_tokens: nonNegInt,
  cost_usd: nonNegNum,
  duration_ms: nonNegNum,
  ttft_ms: nonNegNum,
  status: oneOf(['ok', 'error']),
  error_type: str(LIMITS.maxErrorTypeLength),
  error_message: truncated(LIMITS.maxErrorMessageLength),
  severity: oneOf([...SEVERITIES, 'warning']),
  value: finite,
  text: truncated(LIMITS.maxTextLength),
  sentiment: (v) => (typeof v === 'number' && v >= -1 && v <= 1 ? v : INVALID),
  phases: checkPhases,
  attributes: checkAttributes,
};

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkPhases(v: unknown): unknown {
  if (!isPlainObject(v)) return INVALID;
  const out: Record<string, number> = {};
  let n = 0;
  for (const k in v) {
    const ms = v[k];
    if (++n > LIMITS.maxPhases || k.length > LIMITS.maxPhaseNameLength) return INVALID;
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return INVALID;
    out[k] = ms;
  }
  return out;
}

function checkAttributes(v: unknown): unknown {
  if (!isPlainObject(v)) return INVALID;
  const out: Record<string, AttributeValue> = {};
  let n = 0;
  for (const k in v) {
    const a = v[k];
    if (a === undefined || a === null) continue;
    if (++n > LIMITS.maxAttributes || !ATTRIBUTE_KEY_PATTERN.test(k)) return INVALID;
    if (typeof a === 'string') {
      out[k] = a.length > LIMITS.maxAttributeValueLength ? a.slice(0, LIMITS.maxAttributeValueLength) : a;
    } else if ((typeof a === 'number' && Number.isFinite(a)) || typeof a === 'boolean') {
      out[k] = a;
    } else {
      return INVALID;
    }
  }
  return out;
}

/**
 * A cheap structural check of CONTRACT.md §4, so a bad event is dropped (and counted) here instead of
 * costing a 207 round trip. Returns a fresh object: later mutation by the host cannot change what is sent.
 * `undefined`/`null` fields count as absent. `ts` defaults to now, since events may leave minutes later.
 */
export function validateEvent(input: unknown, now: number): Validation {
  if (!isPlainObject(input)) return { ok: false, field: 'event', reason: 'not an object' };
  const type = input.type;
  if (typeof type !== 'string' || !(builtinTypes.has(type) || CUSTOM_TYPE_PATTERN.test(type))) {
    return { ok: false, field: 'type', reason: 'missing or not a valid event type' };
  }
  const out: Record<string, unknown> = { type };
  for (const key in input) {
    if (key === 'type') continue;
    const value = input[key];
    if (value === undefined || value === null) continue;
    const check = CHECKS[key];
    if (!check) return { ok: false, field: key, reason: 'unknown field (put custom data in attributes)' };
    const checked = check(value);
    if (checked === INVALID) return { ok: false, field: key, reason: 'invalid value' };
    out[key] = checked;
  }
  if (out.ts === undefined) out.ts = now;
  return { ok: true, event: out as unknown as EventInput };
}
