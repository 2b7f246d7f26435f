import { describe, expect, it } from 'vitest';
import { decodeJsonRequest } from './json.js';
import { OTLP_ATTRIBUTE_DEFAULTS } from '../../config/load.js';
import { mapRequest } from './map-request.js';
import { anyValue, type Attrs, MAX_SPANS_PER_REQUEST, OtlpTooManySpansError, type OtlpTraceRequest } from './model.js';
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

  it('keeps 64-bit integers beyond 2^53 exact (Discord snowflakes sent as int attributes), in both encodings', () => {
    const snowflake = '1098765432109876543';
    const req = {
      resourceSpans: [{
        scopeSpans: [{
          spans: [{
            name: 'chat', startTimeUnixNano: '1796101390658123456',
            attributes: [
              { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o' } },
              { key: 'discord.channel', value: { intValue: snowflake } },
              { key: 'min', value: { intValue: '-9223372036854775808' } },
              { key: 'safe', value: { intValue: '9007199254740991' } },
            ],
          }],
        }],
      }],
    };
    const opts = { spans: 'genai' as const, attributes: { ...OTLP_ATTRIBUTE_DEFAULTS, channel: ['discord.channel'] } };
    for (const decoded of [decodeJsonRequest(Buffer.from(JSON.stringify(req))), decodeProtobufRequest(encodeProtobufRequest(req))]) {
      const attrs = decoded.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.attributes;
      expect(entries(attrs).slice(1)).toEqual([['discord.channel', snowflake], ['min', '-9223372036854775808'], ['safe', 9007199254740991]]);
      const event = mapRequest(decoded, opts).events[0]!;
      expect(event.channel).toBe(snowflake);
      expect(event.attributes).toMatchObject({ min: '-9223372036854775808', safe: '9007199254740991' });
    }
  });

  it('takes doubles written as strings, as proto3 JSON allows ("0.7", "NaN"), and still refuses text that is no number', () => {
    const req = (v: unknown): Buffer => Buffer.from(JSON.stringify({
      resourceSpans: [{ scopeSpans: [{ spans: [{ attributes: [{ key: 'gen_ai.request.temperature', value: { doubleValue: v } }] }] }] }],
    }));
    const read = (v: unknown): unknown => anyValue(decodeJsonRequest(req(v)).resourceSpans[0]!.scopeSpans[0]!.spans[0]!.attributes[0]!.value);
    expect(read('0.7')).toBe(0.7);
    expect(read('-1e-3')).toBe(-0.001);
    expect(read(0.7)).toBe(0.7);
    expect(read('NaN')).toBeNull();
    for (const bad of ['warm', '', ' 1', '0x10', true]) {
      expect(() => decodeJsonRequest(req(bad)), String(bad)).toThrow(/doubleValue: expected a number/);
    }
  });

  it(`takes up to ${MAX_SPANS_PER_REQUEST} spans, scopes and resources per request, counted before decoding`, () => {
    // Split over two resources with two scopes each (6 elements), so every level of the count is crossed.
    const split = (n: number): Record<string, unknown> => {
      const quarter = (k: number): Record<string, unknown>[] => Array.from({ length: Math.floor(n / 4) + (k < n % 4 ? 1 : 0) }, () => ({}));
      return { resourceSpans: [0, 1].map((r) => ({ resource: {}, scopeSpans: [0, 1].map((s) => ({ scope: { name: 'x' }, spans: quarter(r * 2 + s) })) })) };
    };
    const spansOf = (r: OtlpTraceRequest): number => r.resourceSpans.reduce((n, rs) => n + rs.scopeSpans.reduce((m, ss) => m + ss.spans.length, 0), 0);
    const most = MAX_SPANS_PER_REQUEST - 6;
    expect(spansOf(decodeProtobufRequest(encodeProtobufRequest(split(most))))).toBe(most);
    expect(spansOf(decodeJsonRequest(Buffer.from(JSON.stringify(split(most)))))).toBe(most);
    expect(() => decodeProtobufRequest(encodeProtobufRequest(split(most + 1)))).toThrow(OtlpTooManySpansError);
    expect(() => decodeJsonRequest(Buffer.from(JSON.stringify(split(most + 1))))).toThrow(OtlpTooManySpansError);
    // Empty resources count too: a body of nothing else would cost as much to decode.
    const resources = { resourceSpans: Array.from({ length: MAX_SPANS_PER_REQUEST + 1 }, () => ({ resource: { attributes: [] } })) };
    expect(() => decodeProtobufRequest(encodeProtobufRequest(resources))).toThrow(OtlpTooManySpansError);
    expect(() => decodeJsonRequest(Buffer.from(JSON.stringify(resources)))).toThrow(OtlpTooManySpansError);
  });
});
