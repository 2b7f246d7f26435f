/**
 * OTLP/JSON (the OTLP specification's JSON encoding of the same messages): lowerCamelCase field names,
 * trace and span ids as hex, 64-bit integers as decimal strings or numbers, enums as integers (their
 * names are accepted too), unknown fields ignored. The document is checked as it is read, so a
 * malformed one is answered with the path of the first problem.
 */
import {
  type Attrs, type AttrValue, int64, MAX_VALUE_DEPTH, OtlpDecodeError, type OtlpSpan, type OtlpTraceRequest, setOnce, unixTime, type UnixTime,
} from './model.js';

type Json = Record<string, unknown>;

const fail = (path: string, message: string): never => {
  throw new OtlpDecodeError(`${path}: ${message}`);
};

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

function object(v: unknown, path: string): Json | null {
  if (v === undefined || v === null) return null;
  return isObject(v) ? v : fail(path, 'expected an object');
}

function array(v: unknown, path: string): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : fail(path, 'expected an array');
}

function string(v: unknown, path: string): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : fail(path, 'expected a string');
}

function id(v: unknown, path: string, bytes: number): string {
  const s = string(v, path);
  if (s === '') return '';
  if (s.length !== bytes * 2 || !/^[0-9a-fA-F]+$/.test(s)) {
    fail(path, `expected ${bytes * 2} hex characters (OTLP/JSON encodes ids as hex, not base64)`);
  }
  return s.toLowerCase();
}

function time(v: unknown, path: string): UnixTime {
  if (v === undefined || v === null) return { ms: 0, ns: 0 };
  return unixTime(v) ?? fail(path, 'expected Unix nanoseconds as a decimal string or integer');
}

function enumValue(v: unknown, path: string, names: readonly string[]): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string') {
    const i = names.indexOf(v);
    if (i >= 0) return i;
  }
  return fail(path, `expected an integer or one of ${names.join(', ')}`);
}

const SPAN_KINDS = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
const STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

function anyValue(v: unknown, path: string, depth: number): AttrValue {
  const o = object(v, path);
  if (o === null) return null;
  if ('stringValue' in o) return string(o.stringValue, `${path}.stringValue`);
  if ('boolValue' in o) return typeof o.boolValue === 'boolean' ? o.boolValue : fail(`${path}.boolValue`, 'expected true or false');
  if ('intValue' in o) {
    const n = int64(o.intValue);
    return Number.isNaN(n) ? fail(`${path}.intValue`, 'expected an integer (a decimal string or a number)') : n;
  }
  if ('doubleValue' in o) {
    const d = o.doubleValue;
    if (typeof d === 'number') return d;
    // Proto3 JSON spells the non-finite doubles as strings; Pulse keeps no non-finite numbers.
    return d === 'NaN' || d === 'Infinity' || d === '-Infinity' ? null : fail(`${path}.doubleValue`, 'expected a number');
  }
  if ('bytesValue' in o) return string(o.bytesValue, `${path}.bytesValue`);
  if ('arrayValue' in o) {
    if (depth >= MAX_VALUE_DEPTH) return null;
    const values = array(object(o.arrayValue, `${path}.arrayValue`)?.values, `${path}.arrayValue.values`);
    return values.map((x, i) => anyValue(x, `${path}.arrayValue.values[${i}]`, depth + 1));
  }
  if ('kvlistValue' in o) {
    if (depth >= MAX_VALUE_DEPTH) return null;
    const values = array(object(o.kvlistValue, `${path}.kvlistValue`)?.values, `${path}.kvlistValue.values`);
    const obj: Record<string, AttrValue> = Object.create(null);
    values.forEach((kv, i) => {
      const p = `${path}.kvlistValue.values[${i}]`;
      const k = object(kv, p);
      if (k !== null) obj[string(k.key, `${p}.key`)] = anyValue(k.value, `${p}.value`, depth + 1);
    });
    return JSON.stringify(obj);
  }
  return null;
}

function attributes(v: unknown, path: string): Attrs {
  const out: Attrs = new Map();
  array(v, path).forEach((kv, i) => {
    const p = `${path}[${i}]`;
    const o = object(kv, p);
    if (o !== null) setOnce(out, string(o.key, `${p}.key`), anyValue(o.value, `${p}.value`, 0));
  });
  return out;
}

function span(v: unknown, path: string): OtlpSpan {
  const s = object(v, path) ?? {};
  const status = object(s.status, `${path}.status`);
  return {
    traceId: id(s.traceId, `${path}.traceId`, 16),
    spanId: id(s.spanId, `${path}.spanId`, 8),
    parentSpanId: id(s.parentSpanId, `${path}.parentSpanId`, 8),
    name: string(s.name, `${path}.name`),
    kind: enumValue(s.kind, `${path}.kind`, SPAN_KINDS),
    start: time(s.startTimeUnixNano, `${path}.startTimeUnixNano`),
    end: time(s.endTimeUnixNano, `${path}.endTimeUnixNano`),
    attributes: attributes(s.attributes, `${path}.attributes`),
    events: array(s.events, `${path}.events`).map((e, i) => {
      const p = `${path}.events[${i}]`;
      const o = object(e, p) ?? {};
      return { name: string(o.name, `${p}.name`), time: time(o.timeUnixNano, `${p}.timeUnixNano`), attributes: attributes(o.attributes, `${p}.attributes`) };
    }),
    status: {
      code: enumValue(status?.code, `${path}.status.code`, STATUS_CODES),
      message: string(status?.message, `${path}.status.message`),
    },
  };
}

/** An `ExportTraceServiceRequest` in the JSON encoding; anything else is an OtlpDecodeError naming where. */
export function decodeJsonRequest(body: Buffer): OtlpTraceRequest {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new OtlpDecodeError(`body: not valid JSON (${(err as Error).message})`);
  }
  if (!isObject(doc)) throw new OtlpDecodeError('body: expected an ExportTraceServiceRequest object {"resourceSpans": [...]}');
  return {
    resourceSpans: array(doc.resourceSpans, 'resourceSpans').map((rs, i) => {
      const path = `resourceSpans[${i}]`;
      const o = object(rs, path) ?? {};
      return {
        resource: attributes(object(o.resource, `${path}.resource`)?.attributes, `${path}.resource.attributes`),
        scopeSpans: array(o.scopeSpans, `${path}.scopeSpans`).map((ss, j) => {
          const p = `${path}.scopeSpans[${j}]`;
          const s = object(ss, p) ?? {};
          const scope = object(s.scope, `${p}.scope`);
          return {
            scope: { name: string(scope?.name, `${p}.scope.name`), version: string(scope?.version, `${p}.scope.version`) },
            spans: array(s.spans, `${p}.spans`).map((x, k) => span(x, `${p}.spans[${k}]`)),
          };
        }),
      };
    }),
  };
}

/** `ExportTraceServiceResponse` as OTLP/JSON (int64 as a decimal string, as proto3 JSON writes it). */
export function encodeJsonResponse(rejectedSpans: number, errorMessage: string): string {
  if (rejectedSpans === 0 && errorMessage === '') return '{"partialSuccess":{}}';
  return JSON.stringify({ partialSuccess: { rejectedSpans: String(rejectedSpans), errorMessage } });
}
