import { describe, expect, it } from 'vitest';
import { msBetween, unixTime } from './model.js';
import { decodeProtobufRequest, encodeProtobufRequest } from './protobuf.js';

/** The value as it comes out of protobufjs' decoder (a Long), via a real encode/decode round trip. */
function throughProtobuf(ns: string): unknown {
  const body = encodeProtobufRequest({ resourceSpans: [{ scopeSpans: [{ spans: [{ startTimeUnixNano: ns }] }] }] });
  return decodeProtobufRequest(body).resourceSpans[0]!.scopeSpans[0]!.spans[0]!.start;
}

describe('unixTime', () => {
  it('splits Unix nanoseconds into exact milliseconds from a protobuf Long, a decimal string or a number', () => {
    const values = ['0', '999999', '1000000', '1796101390658000000', '1796101390657999999', '18446744073709551615'];
    for (let i = 0; i < 200; i++) values.push((1_700_000_000_000_000_000n + BigInt(Math.floor(Math.random() * 1e15)) * 997n).toString());
    for (const v of values) {
      const want = { ms: Number(BigInt(v) / 1_000_000n), ns: Number(BigInt(v) % 1_000_000n) };
      expect(unixTime(v), v).toEqual(want);
      expect(throughProtobuf(v), v).toEqual(want);
    }
    expect(unixTime(1_500_000)).toEqual({ ms: 1, ns: 500_000 });
    expect(unixTime('-5')).toBeNull();
    expect(unixTime('12x')).toBeNull();
    expect(unixTime({})).toBeNull();
  });

  it('measures durations across millisecond boundaries', () => {
    expect(msBetween({ ms: 10, ns: 999_999 }, { ms: 11, ns: 1 })).toBeCloseTo(0.000002, 9);
    expect(msBetween({ ms: 10, ns: 500_000 }, { ms: 1510, ns: 0 })).toBe(1499.5);
  });
});
