/**
 * OTLP/JSON (the OTLP specification's JSON encoding of the same messages): lowerCamelCase field names,
 * trace and span ids as hex, 64-bit integers as decimal strings or numbers, enums as integers (their
 * names are accepted too), unknown fields ignored. The document is checked as it is read, so a
 * malformed one is answered with the path of the first problem; attribute lists are checked in place
 * and kept as they are (model.ts reads them).
 */
import {
  type Attrs, int64, type KeyValue, MAX_SPANS_PER_REQUEST, MAX_VALUE_DEPTH, OtlpDecodeError, OtlpTooManySpansError, type OtlpSpan,
  type OtlpTraceRequest, unixTime, type UnixTime,
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

const NON_FINITE = new Set(['NaN', 'Infinity', '-Infinity']);
/** A double as proto3 JSON may quote it: a JSON number's syntax, in a string. */
const DOUBLE_TEXT = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const isDouble = (v: unknown): boolean =>
  typeof v === 'number' || (typeof v === 'string' && (NON_FINITE.has(v) || DOUBLE_TEXT.test(v)));

/** Checks an AnyValue (each member present must have its type); deeper than MAX_VALUE_DEPTH is never read, so not checked. */
function checkAnyValue(v: unknown, path: string, depth: number): void {
  const o = object(v, path);
  if (o === null) return;
  const bad = (member: string, what: string): never => fail(`${path}.${member}`, what);
  if (o.stringValue != null && typeof o.stringValue !== 'string') bad('stringValue', 'expected a string');
  if (o.boolValue != null && typeof o.boolValue !== 'boolean') bad('boolValue', 'expected true or false');
  if (o.intValue != null && Number.isNaN(int64(o.intValue))) bad('intValue', 'expected an integer (a decimal string or a number)');
  // Proto3 JSON takes a double as a number or as a string, and spells the non-finite ones as strings (read as null:
  // Pulse keeps no non-finite numbers).
  if (o.doubleValue != null && !isDouble(o.doubleValue)) bad('doubleValue', 'expected a number');
  if (o.bytesValue != null && typeof o.bytesValue !== 'string') bad('bytesValue', 'expected base64 text');
  if (depth >= MAX_VALUE_DEPTH) return;
  if (o.arrayValue != null) {
    array(object(o.arrayValue, `${path}.arrayValue`)?.values, `${path}.arrayValue.values`)
      .forEach((x, i) => checkAnyValue(x, `${path}.arrayValue.values[${i}]`, depth + 1));
  }
  if (o.kvlistValue != null) {
    keyValues(object(o.kvlistValue, `${path}.kvlistValue`)?.values, `${path}.kvlistValue.values`, depth + 1);
  }
}

/** A KeyValue list, checked in place (a missing key becomes '', as proto3 JSON reads it). */
function keyValues(v: unknown, path: string, depth: number): Attrs {
  const list = array(v, path);
  for (let i = 0; i < list.length; i++) {
    const kv = list[i];
    if (!isObject(kv)) fail(`${path}[${i}]`, 'expected an object {"key", "value"}');
    const o = kv as Json;
    if (o.key === undefined || o.key === null) o.key = '';
    else if (typeof o.key !== 'string') fail(`${path}[${i}].key`, 'expected a string');
    checkAnyValue(o.value, `${path}[${i}].value`, depth);
  }
  return list as KeyValue[];
}

const attributes = (v: unknown, path: string): Attrs => keyValues(v, path, 0);

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

/**
 * Throws OtlpTooManySpansError past MAX_SPANS_PER_REQUEST spans, scopes and resources together, before they are read
 * (misshapen parts are left to the reading).
 */
function checkSpanCount(doc: Json): void {
  const resources = Array.isArray(doc.resourceSpans) ? doc.resourceSpans : [];
  let elements = resources.length;
  for (const rs of resources) {
    if (!isObject(rs) || !Array.isArray(rs.scopeSpans)) continue;
    elements += rs.scopeSpans.length;
    for (const ss of rs.scopeSpans) {
      if (isObject(ss) && Array.isArray(ss.spans)) elements += ss.spans.length;
    }
  }
  if (elements > MAX_SPANS_PER_REQUEST) throw new OtlpTooManySpansError();
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
  checkSpanCount(doc);
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
