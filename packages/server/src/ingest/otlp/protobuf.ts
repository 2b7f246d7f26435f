/**
 * OTLP/HTTP protobuf: requests decoded and responses encoded by protobufjs (light build) from the
 * descriptor generated out of the OpenTelemetry proto files (descriptor-gen.ts), then turned into the
 * encoding-independent model of model.ts.
 */
import protobuf from 'protobufjs/light.js';
import { OTLP_DESCRIPTOR } from './descriptor.js';
import {
  type Attrs, type KeyValue, MAX_SPANS_PER_REQUEST, OtlpDecodeError, OtlpTooManySpansError, type OtlpResourceSpans, type OtlpSpan,
  type OtlpTraceRequest, unixTime, type UnixTime,
} from './model.js';

const root = protobuf.Root.fromJSON(OTLP_DESCRIPTOR as protobuf.INamespace);
const RequestType = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
const ResponseType = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse');
const StatusType = root.lookupType('google.rpc.Status');

// The decoded messages, as protobufjs builds them (camelCase fields, int64 as Long, bytes as Buffer,
// unset fields as defaults on the prototype). KeyValue messages are used as they are (model.ts).
interface PbSpan {
  traceId: Uint8Array; spanId: Uint8Array; parentSpanId: Uint8Array; name: string; kind: number;
  startTimeUnixNano: unknown; endTimeUnixNano: unknown; attributes: KeyValue[];
  events: { timeUnixNano: unknown; name: string; attributes: KeyValue[] }[];
  status?: { code: number; message: string } | null;
}
interface PbRequest {
  resourceSpans: {
    resource?: { attributes: KeyValue[] } | null;
    scopeSpans: { scope?: { name: string; version: string } | null; spans: PbSpan[] }[];
  }[];
}

const hex = (b: Uint8Array | undefined): string =>
  b === undefined || b.length === 0 ? '' : Buffer.isBuffer(b) ? b.toString('hex') : Buffer.from(b).toString('hex');

const UNSET: UnixTime = { ms: 0, ns: 0 };
const time = (v: unknown): UnixTime => unixTime(v) ?? UNSET;
const NONE: Attrs = [];

function span(s: PbSpan): OtlpSpan {
  return {
    traceId: hex(s.traceId),
    spanId: hex(s.spanId),
    parentSpanId: hex(s.parentSpanId),
    name: s.name,
    kind: s.kind,
    start: time(s.startTimeUnixNano),
    end: time(s.endTimeUnixNano),
    attributes: s.attributes,
    events: s.events.length === 0 ? [] : s.events.map((e) => ({ name: e.name, time: time(e.timeUnixNano), attributes: e.attributes })),
    status: { code: s.status?.code ?? 0, message: s.status?.message ?? '' },
  };
}

/** Fields holding the spans: ExportTraceServiceRequest.resource_spans, ResourceSpans.scope_spans, ScopeSpans.spans. */
const SPANS_PATH = [1, 2, 2] as const;
const LENGTH_DELIMITED = 2;

/**
 * Throws OtlpTooManySpansError when the body holds more than MAX_SPANS_PER_REQUEST spans, scopes and resources
 * together, counted from the length prefixes of the three levels without decoding anything. A body that is not
 * well-formed protobuf is left to the decoder to report.
 */
function checkSpanCount(body: Uint8Array): void {
  const reader = protobuf.Reader.create(body);
  let elements = 0;
  const walk = (end: number, level: number): void => {
    while (reader.pos < end) {
      const tag = reader.uint32();
      if ((tag & 7) !== LENGTH_DELIMITED || tag >>> 3 !== SPANS_PATH[level]) {
        reader.skipType(tag & 7);
        continue;
      }
      const length = reader.uint32();
      const stop = reader.pos + length;
      if (++elements > MAX_SPANS_PER_REQUEST) throw new OtlpTooManySpansError();
      if (level < SPANS_PATH.length - 1) walk(Math.min(stop, end), level + 1);
      reader.pos = stop;
    }
  };
  try {
    walk(body.length, 0);
  } catch (err) {
    if (err instanceof OtlpTooManySpansError) throw err;
  }
}

/** An `ExportTraceServiceRequest` in the protobuf encoding; a body that is not one is an OtlpDecodeError. */
export function decodeProtobufRequest(body: Uint8Array): OtlpTraceRequest {
  checkSpanCount(body);
  let msg: PbRequest;
  try {
    msg = RequestType.decode(body) as unknown as PbRequest;
  } catch (err) {
    // protobufjs reports truncated or malformed wire data as RangeError/Error with the offset.
    throw new OtlpDecodeError(`body: not a valid protobuf ExportTraceServiceRequest (${(err as Error).message})`);
  }
  const resourceSpans: OtlpResourceSpans[] = msg.resourceSpans.map((rs) => ({
    resource: rs.resource?.attributes ?? NONE,
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
