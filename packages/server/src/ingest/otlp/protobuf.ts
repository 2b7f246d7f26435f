/**
 * OTLP/HTTP protobuf: requests decoded and responses encoded by protobufjs (light build) from the
 * descriptor generated out of the OpenTelemetry proto files (descriptor-gen.ts), then turned into the
 * encoding-independent model of model.ts.
 */
import protobuf from 'protobufjs/light.js';
import { OTLP_DESCRIPTOR } from './descriptor.js';
import {
  type Attrs, type AttrValue, int64, MAX_VALUE_DEPTH, OtlpDecodeError, type OtlpResourceSpans, type OtlpSpan, type OtlpTraceRequest, setOnce,
  unixTime, type UnixTime,
} from './model.js';

const root = protobuf.Root.fromJSON(OTLP_DESCRIPTOR as protobuf.INamespace);
const RequestType = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
const ResponseType = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse');
const StatusType = root.lookupType('google.rpc.Status');

// The decoded messages, as protobufjs builds them (camelCase fields, int64 as Long, bytes as Buffer).
interface PbAnyValue {
  value?: string;
  stringValue?: string;
  boolValue?: boolean;
  intValue?: unknown;
  doubleValue?: number;
  arrayValue?: { values: PbAnyValue[] } | null;
  kvlistValue?: { values: PbKeyValue[] } | null;
  bytesValue?: Uint8Array;
}
interface PbKeyValue { key: string; value?: PbAnyValue | null }
interface PbSpan {
  traceId: Uint8Array; spanId: Uint8Array; parentSpanId: Uint8Array; name: string; kind: number;
  startTimeUnixNano: unknown; endTimeUnixNano: unknown; attributes: PbKeyValue[];
  events: { timeUnixNano: unknown; name: string; attributes: PbKeyValue[] }[];
  status?: { code: number; message: string } | null;
}
interface PbRequest {
  resourceSpans: {
    resource?: { attributes: PbKeyValue[] } | null;
    scopeSpans: { scope?: { name: string; version: string } | null; spans: PbSpan[] }[];
  }[];
}

const hex = (b: Uint8Array | undefined): string =>
  b === undefined || b.length === 0 ? '' : Buffer.isBuffer(b) ? b.toString('hex') : Buffer.from(b).toString('hex');

function anyValue(v: PbAnyValue | null | undefined, depth: number): AttrValue {
  if (v === null || v === undefined) return null;
  switch (v.value) {
    case 'stringValue': return v.stringValue ?? '';
    case 'boolValue': return v.boolValue ?? false;
    case 'intValue': return int64(v.intValue);
    case 'doubleValue': return v.doubleValue ?? 0;
    case 'bytesValue': return Buffer.from(v.bytesValue ?? []).toString('base64');
    case 'arrayValue':
      return depth >= MAX_VALUE_DEPTH ? null : (v.arrayValue?.values ?? []).map((x) => anyValue(x, depth + 1));
    case 'kvlistValue': {
      if (depth >= MAX_VALUE_DEPTH) return null;
      const obj: Record<string, AttrValue> = Object.create(null);
      for (const kv of v.kvlistValue?.values ?? []) obj[kv.key] = anyValue(kv.value, depth + 1);
      return JSON.stringify(obj);
    }
    default: return null;
  }
}

function attributes(kvs: readonly PbKeyValue[] | undefined): Attrs {
  const out: Attrs = new Map();
  if (kvs) for (const kv of kvs) setOnce(out, kv.key, anyValue(kv.value, 0));
  return out;
}

const UNSET: UnixTime = { ms: 0, ns: 0 };
const time = (v: unknown): UnixTime => unixTime(v) ?? UNSET;

function span(s: PbSpan): OtlpSpan {
  return {
    traceId: hex(s.traceId),
    spanId: hex(s.spanId),
    parentSpanId: hex(s.parentSpanId),
    name: s.name,
    kind: s.kind,
    start: time(s.startTimeUnixNano),
    end: time(s.endTimeUnixNano),
    attributes: attributes(s.attributes),
    events: s.events.map((e) => ({ name: e.name, time: time(e.timeUnixNano), attributes: attributes(e.attributes) })),
    status: { code: s.status?.code ?? 0, message: s.status?.message ?? '' },
  };
}

/** An `ExportTraceServiceRequest` in the protobuf encoding; a body that is not one is an OtlpDecodeError. */
export function decodeProtobufRequest(body: Uint8Array): OtlpTraceRequest {
  let msg: PbRequest;
  try {
    msg = RequestType.decode(body) as unknown as PbRequest;
  } catch (err) {
    // protobufjs reports truncated or malformed wire data as RangeError/Error with the offset.
    throw new OtlpDecodeError(`body: not a valid protobuf ExportTraceServiceRequest (${(err as Error).message})`);
  }
  const resourceSpans: OtlpResourceSpans[] = msg.resourceSpans.map((rs) => ({
    resource: attributes(rs.resource?.attributes),
    scopeSpans: rs.scopeSpans.map((ss) => ({
      scope: { name: ss.scope?.name ?? '', version: ss.scope?.version ?? '' },
      spans: ss.spans.map(span),
    })),
  }));
  return { resourceSpans };
}

/** `ExportTraceServiceResponse`; `partial_success` only when spans were rejected (empty message otherwise, as the spec asks). */
export function encodeProtobufResponse(rejectedSpans: number, errorMessage: string): Uint8Array {
  const body = rejectedSpans > 0 || errorMessage !== '' ? { partialSuccess: { rejectedSpans, errorMessage } } : {};
  return ResponseType.encode(ResponseType.fromObject(body)).finish();
}

/** `google.rpc.Status`: the body of a 4xx/5xx answer to a protobuf request. */
export function encodeProtobufStatus(code: number, message: string): Uint8Array {
  return StatusType.encode(StatusType.fromObject({ code, message })).finish();
}

/** For tests and the benchmark: a request encoded the way exporters do, from the protobufjs object form. */
export function encodeProtobufRequest(request: Record<string, unknown>): Uint8Array {
  return RequestType.encode(RequestType.fromObject(request)).finish();
}

/** For tests: the response's fields back. */
export function decodeProtobufResponse(body: Uint8Array): { rejectedSpans: number; errorMessage: string } | null {
  const msg = ResponseType.toObject(ResponseType.decode(body), { longs: Number }) as { partialSuccess?: { rejectedSpans?: number; errorMessage?: string } };
  return msg.partialSuccess ? { rejectedSpans: msg.partialSuccess.rejectedSpans ?? 0, errorMessage: msg.partialSuccess.errorMessage ?? '' } : null;
}

export function decodeProtobufStatus(body: Uint8Array): { code: number; message: string } {
  const msg = StatusType.toObject(StatusType.decode(body)) as { code?: number; message?: string };
  return { code: msg.code ?? 0, message: msg.message ?? '' };
}
