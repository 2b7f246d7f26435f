import { describe, expect, it } from 'vitest';
import { decodeJsonRequest } from './json.js';
import { anyValue, type Attrs, type OtlpTraceRequest } from './model.js';
import { decodeProtobufRequest, encodeProtobufRequest } from './protobuf.js';

/** The model with attribute lists read out (protobufjs messages and JSON objects differ in form, not in value). */
const entries = (attrs: Attrs): [string, unknown][] => attrs.map((kv) => [kv.key, anyValue(kv.value)]);
const readOut = (r: OtlpTraceRequest): unknown => r.resourceSpans.map((rs) => ({
  resource: entries(rs.resource),
  scopeSpans: rs.scopeSpans.map((ss) => ({
    scope: ss.scope,
    spans: ss.spans.map((sp) => ({ ...sp, attributes: entries(sp.attributes), events: sp.events.map((e) => ({ ...e, attributes: entries(e.attributes) })) })),
  })),
}));

const value = {
  attributes: [
    { key: 's', value: { stringValue: 'text' } },
    { key: 'b', value: { boolValue: true } },
    { key: 'i', value: { intValue: '-42' } },
    { key: 'd', value: { doubleValue: 0.5 } },
    { key: 'arr', value: { arrayValue: { values: [{ stringValue: 'stop' }, { intValue: '3' }] } } },
    { key: 'kv', value: { kvlistValue: { values: [{ key: 'a', value: { intValue: '1' } }, { key: '__proto__', value: { stringValue: 'x' } }] } } },
    { key: 'bytes', value: { bytesValue: 'AQID' } },
    { key: 'empty', value: {} },
    { key: 's', value: { stringValue: 'duplicate: the first wins' } },
  ],
};

const JSON_REQUEST = {
  resourceSpans: [{
    resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
    scopeSpans: [{
      scope: { name: 'scope', version: '1.2.3' },
      spans: [{
        traceId: '5B8EFFF798038103D269B633813FC60C',
        spanId: 'eee19b7ec3c1b174',
        parentSpanId: 'eee19b7ec3c1b173',
        name: 'chat',
        kind: 3,
        startTimeUnixNano: '1796101390658123456',
        endTimeUnixNano: '1796101392158000000',
        ...value,
        events: [{ name: 'exception', timeUnixNano: '1796101390700000000', ...value }],
        status: { code: 2, message: 'boom' },
        unknownField: 'ignored',
      }],
    }],
  }],
};

describe('OTLP decoding', () => {
  it('JSON and protobuf give the same model, every AnyValue kind included', () => {
    const fromJson = decodeJsonRequest(Buffer.from(JSON.stringify(JSON_REQUEST)));
    const asProtobufObject = JSON.parse(JSON.stringify(JSON_REQUEST), (k, v) =>
      (k === 'traceId' || k === 'spanId' || k === 'parentSpanId' ? Buffer.from(v as string, 'hex') : k === 'bytesValue' ? Buffer.from(v as string, 'base64') : v));
    const fromProtobuf = decodeProtobufRequest(encodeProtobufRequest(asProtobufObject));
    expect(readOut(fromProtobuf)).toEqual(readOut(fromJson));
    const span = fromJson.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    expect(span).toMatchObject({
      traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', parentSpanId: 'eee19b7ec3c1b173', name: 'chat', kind: 3,
      start: { ms: 1796101390658, ns: 123456 }, end: { ms: 1796101392158, ns: 0 }, status: { code: 2, message: 'boom' },
    });
    expect(entries(span.attributes)).toEqual([
      ['s', 'text'], ['b', true], ['i', -42], ['d', 0.5], ['arr', ['stop', 3]], ['kv', '{"a":1,"__proto__":"x"}'], ['bytes', 'AQID'], ['empty', null],
      ['s', 'duplicate: the first wins'],
    ]);
    expect(fromJson.resourceSpans[0]!.scopeSpans[0]!.scope).toEqual({ name: 'scope', version: '1.2.3' });
  });

  it('JSON takes enum names as well as numbers', () => {
    const req = { resourceSpans: [{ scopeSpans: [{ spans: [{ kind: 'SPAN_KIND_SERVER', status: { code: 'STATUS_CODE_ERROR' } }] }] }] };
    const span = decodeJsonRequest(Buffer.from(JSON.stringify(req))).resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    expect([span.kind, span.status.code]).toEqual([2, 2]);
  });

  it('cuts values nested deeper than 8 levels instead of recursing without end', () => {
    let v: Record<string, unknown> = { stringValue: 'deep' };
    for (let i = 0; i < 50; i++) v = { arrayValue: { values: [v] } };
    const req = { resourceSpans: [{ scopeSpans: [{ spans: [{ attributes: [{ key: 'nest', value: v }] }] }] }] };
    const nest = anyValue(decodeJsonRequest(Buffer.from(JSON.stringify(req))).resourceSpans[0]!.scopeSpans[0]!.spans[0]!.attributes[0]!.value);
    let depth = 0;
    for (let x: unknown = nest; Array.isArray(x); x = x[0]) depth++;
    expect(depth).toBe(8);
  });
});
