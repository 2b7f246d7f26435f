/**
 * One shape for a decoded `ExportTraceServiceRequest`, whichever encoding it came in: the protobuf
 * and JSON decoders both produce it, and the mapper reads only it. Ids are lowercase hex ('' when
 * absent); times are split into whole Unix milliseconds and the nanoseconds beyond (doubles cannot
 * hold today's Unix nanoseconds exactly, and `ts` must not be off by one). Attributes stay the
 * KeyValue lists that were decoded (protobufjs messages, or JSON objects checked in place) and are
 * read on demand: copying them into maps up front doubled the garbage per span and the decoding cost.
 */

/** An AnyValue as Pulse reads it: kvlists become JSON text, bytes base64, unset values null. */
export type AttrValue = string | number | boolean | null | AttrValue[];

/** An OTLP AnyValue, decoded: exactly one member is an own property (which one says which kind it is). */
export interface AnyValue {
  stringValue?: unknown;
  boolValue?: unknown;
  intValue?: unknown;
  doubleValue?: unknown;
  arrayValue?: { values?: readonly (AnyValue | null | undefined)[] } | null;
  kvlistValue?: { values?: readonly KeyValue[] } | null;
  bytesValue?: unknown;
}

export interface KeyValue {
  key: string;
  value?: AnyValue | null;
}

/** Attributes in arrival order; of a repeated key the first wins. */
export type Attrs = readonly KeyValue[];

export const SPAN_KIND = { UNSPECIFIED: 0, INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;
export const STATUS_CODE = { UNSET: 0, OK: 1, ERROR: 2 } as const;

/** A Unix time: whole milliseconds (exact) and the 0–999,999 nanoseconds beyond them. 0/0 when unset. */
export interface UnixTime {
  ms: number;
  ns: number;
}

export interface OtlpSpanEvent {
  name: string;
  time: UnixTime;
  attributes: Attrs;
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  start: UnixTime;
  end: UnixTime;
  attributes: Attrs;
  events: OtlpSpanEvent[];
  status: { code: number; message: string };
}

export interface OtlpScopeSpans {
  scope: { name: string; version: string };
  spans: OtlpSpan[];
}

export interface OtlpResourceSpans {
  resource: Attrs;
  scopeSpans: OtlpScopeSpans[];
}

export interface OtlpTraceRequest {
  resourceSpans: OtlpResourceSpans[];
}

/** A body that is not a well-formed request: the route answers 400 with this message. */
export class OtlpDecodeError extends Error {
  override readonly name: string = 'OtlpDecodeError';
}

/**
 * Spans per request at most, their scopes and resources counted with them. A span with its ids and times takes 53
 * bytes or more, so 5 MB of them stay below it and no exporter reaches it; a body of empty spans (or empty scopes or
 * resources) does, and would take seconds and gigabytes to decode.
 */
export const MAX_SPANS_PER_REQUEST = 100_000;

/** A body with more than MAX_SPANS_PER_REQUEST spans, found before they are decoded: the route answers 413. */
export class OtlpTooManySpansError extends OtlpDecodeError {
  override readonly name = 'OtlpTooManySpansError';

  constructor() {
    super(`body: more than ${MAX_SPANS_PER_REQUEST} spans (scopes and resources included) in one request; send smaller batches`);
  }
}

/** Deeper arrays and kvlists than this are cut (their value becomes null): nobody needs them, and recursion stays bounded. */
export const MAX_VALUE_DEPTH = 8;

const own = Object.prototype.hasOwnProperty;

/** The value of an AnyValue; protobufjs leaves unset members on the prototype, so presence is an own property. */
export function anyValue(v: AnyValue | null | undefined, depth = 0): AttrValue {
  if (v === null || v === undefined) return null;
  if (own.call(v, 'stringValue')) return typeof v.stringValue === 'string' ? v.stringValue : null;
  if (own.call(v, 'intValue')) return int64Value(v.intValue);
  if (own.call(v, 'doubleValue')) return double(v.doubleValue);
  if (own.call(v, 'boolValue')) return typeof v.boolValue === 'boolean' ? v.boolValue : null;
  if (own.call(v, 'arrayValue')) {
    return depth >= MAX_VALUE_DEPTH ? null : (v.arrayValue?.values ?? []).map((x) => anyValue(x, depth + 1));
  }
  if (own.call(v, 'kvlistValue')) {
    if (depth >= MAX_VALUE_DEPTH) return null;
    const obj: Record<string, AttrValue> = Object.create(null);
    for (const kv of v.kvlistValue?.values ?? []) if (!(kv.key in obj)) obj[kv.key] = anyValue(kv.value, depth + 1);
    return JSON.stringify(obj);
  }
  if (own.call(v, 'bytesValue')) {
    const b = v.bytesValue;
    return typeof b === 'string' ? b : b instanceof Uint8Array ? Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64') : null;
  }
  return null;
}

/** A double: a number, or (proto3 JSON) its text — json.ts let through only numbers and NaN/Infinity, read as null. */
function double(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** The value of the first `key` in `attrs`; undefined when there is none. */
export function attr(attrs: Attrs, key: string): AttrValue | undefined {
  for (let i = 0; i < attrs.length; i++) {
    const kv = attrs[i]!;
    if (kv.key === key) return anyValue(kv.value);
  }
  return undefined;
}

export function hasAttr(attrs: Attrs, key: string): boolean {
  for (let i = 0; i < attrs.length; i++) if (attrs[i]!.key === key) return true;
  return false;
}

/** An int64 from a protobuf Long, a JSON number or a decimal string (as OTLP/JSON sends them); NaN otherwise. */
export function int64(v: unknown): number {
  if (typeof v === 'number') return Number.isInteger(v) ? v : Number.NaN;
  if (typeof v === 'string') return /^-?\d{1,20}$/.test(v) ? Number(v) : Number.NaN;
  if (v !== null && typeof v === 'object' && typeof (v as { toNumber?: unknown }).toNumber === 'function') {
    return (v as { toNumber(): number }).toNumber();
  }
  return Number.NaN;
}

/**
 * An int64 attribute value: a number while it is exact (within ±2^53), else its exact decimal text — 64-bit ids
 * (Discord snowflakes, database keys) must not come out with their last digits changed. null when not an integer.
 */
function int64Value(v: unknown): number | string | null {
  const n = int64(v);
  if (Number.isNaN(n)) return null;
  if (Number.isSafeInteger(n) || typeof v === 'number') return n;
  return typeof v === 'string' ? BigInt(v).toString() : String(v);
}

const NS_PER_MS = 1_000_000;

/**
 * A fixed64 Unix-nanosecond value, exactly: a protobuf Long (from its 32-bit halves: 2^32 ns is
 * 4294 ms + 967,296 ns), a decimal string (OTLP/JSON) or a number (approximate above 2^53, as sent).
 * null when it is none of these.
 */
export function unixTime(v: unknown): UnixTime | null {
  if (typeof v === 'string') {
    if (!/^\d{1,20}$/.test(v)) return null;
    return v.length <= 6 ? { ms: 0, ns: Number(v) } : { ms: Number(v.slice(0, -6)), ns: Number(v.slice(-6)) };
  }
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) return null;
    const ms = Math.floor(v / NS_PER_MS);
    return { ms, ns: Math.max(0, Math.min(NS_PER_MS - 1, Math.round(v - ms * NS_PER_MS))) };
  }
  if (v !== null && typeof v === 'object' && typeof (v as { high?: unknown }).high === 'number') {
    const { high, low } = v as { high: number; low: number };
    const hi = high >>> 0;
    const rest = hi * 967_296 + (low >>> 0);
    return { ms: hi * 4294 + Math.floor(rest / NS_PER_MS), ns: rest % NS_PER_MS };
  }
  return null;
}

/** Milliseconds from `a` to `b` (fractional). */
export const msBetween = (a: UnixTime, b: UnixTime): number => (b.ms - a.ms) + (b.ns - a.ns) / NS_PER_MS;

export const isSet = (t: UnixTime): boolean => t.ms > 0 || t.ns > 0;
