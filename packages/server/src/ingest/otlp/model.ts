/**
 * One shape for a decoded `ExportTraceServiceRequest`, whichever encoding it came in: the protobuf
 * and JSON decoders both produce it, and the mapper reads only it. Ids are lowercase hex ('' when
 * absent); times are Unix nanoseconds as numbers (a double keeps them to ~0.25 µs, ample for
 * milliseconds); attribute values are reduced to what Pulse can keep.
 */

/** An OTLP AnyValue: kvlists become JSON text, bytes base64, unset values null. */
export type AttrValue = string | number | boolean | null | AttrValue[];

/** Keys in arrival order; the first occurrence of a repeated key wins. */
export type Attrs = Map<string, AttrValue>;

export const SPAN_KIND = { UNSPECIFIED: 0, INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;
export const STATUS_CODE = { UNSET: 0, OK: 1, ERROR: 2 } as const;

export interface OtlpSpanEvent {
  name: string;
  timeNs: number;
  attributes: Attrs;
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startNs: number;
  endNs: number;
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
  override readonly name = 'OtlpDecodeError';
}

/** Deeper arrays and kvlists than this are cut (their value becomes null): nobody needs them, and recursion stays bounded. */
export const MAX_VALUE_DEPTH = 8;

/** Sets a key only once: OTLP forbids duplicate keys, and the first is what most SDKs would have kept. */
export function setOnce(attrs: Attrs, key: string, value: AttrValue): void {
  if (!attrs.has(key)) attrs.set(key, value);
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
