import { createClient, type ClickHouseClient } from '@clickhouse/client';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { literal, LiteralError, type LiteralValue } from './literal.js';
import { useClickHouse } from './test-support/server.js';

const ch = useClickHouse();

/** Each value's literal evaluated by the real server, as `hex()` of the bytes it reads (strings) or as text. */
describe.skipIf(ch.skip)('literal() through a real ClickHouse', () => {
  let client: ClickHouseClient;
  beforeAll(() => {
    client = createClient({ url: ch.server().url, log: { level: 127 as never } });
  });
  afterAll(async () => {
    await client.close();
  });

  const hexOf = async (values: readonly string[]): Promise<string[]> => {
    const sql = `SELECT [${values.map((v) => `hex(${literal(v)})`).join(', ')}] AS h`;
    const rows = await (await client.query({ query: sql, format: 'JSONEachRow' })).json<{ h: string[] }>();
    return rows[0]!.h;
  };
  const utf8Hex = (s: string): string => Buffer.from(s, 'utf8').toString('hex').toUpperCase();
  /** Text of `toString(<literal>)` per value: what the server made of the number. */
  const texts = async (values: readonly LiteralValue[]): Promise<string[]> => {
    const sql = `SELECT [${values.map((v) => `toString(${literal(v)})`).join(', ')}] AS t`;
    const rows = await (await client.query({ query: sql, format: 'JSONEachRow' })).json<{ t: string[] }>();
    return rows[0]!.t;
  };

  it('reads back every single byte value 0–255 (as a one-character string)', async () => {
    const values = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i));
    expect(await hexOf(values)).toEqual(values.map(utf8Hex));
  });

  it('reads back every pair of the characters the literal treats specially, and strings ending in a backslash', async () => {
    const special = ['\\', "'", '"', '\0', '\n', '\r', '\t', '\b', '\f', '\x1a', '\x7f', 'x', '?', '{', '}', '`', '-', '/', '*', ';'];
    const values: string[] = [];
    for (const a of special) for (const b of special) values.push(a + b, `${a}${b}\\`, `\\${a}\\${b}`);
    values.push('', '\\', '\\\\', "'", "''", "\\'", "'\\", 'x\\', "'; DROP TABLE events; --", '\\x41', '\\0', '\\n', '\\\\x41');
    expect(await hexOf(values)).toEqual(values.map(utf8Hex));
  });

  it('reads back random Unicode text, whole and as single code points (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ unit: 'binary', maxLength: 40 }), { minLength: 1, maxLength: 50 }), async (values) => {
        expect(await hexOf(values)).toEqual(values.map(utf8Hex));
      }),
      { numRuns: 60 },
    );
  });

  it('reads back random strings of any bytes 0–255 as characters (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 60 }), { minLength: 1, maxLength: 50 }), async (values) => {
        expect(await hexOf(values)).toEqual(values.map(utf8Hex));
      }),
      { numRuns: 60 },
    );
  });

  it('writes an unpaired surrogate as U+FFFD, as any UTF-8 encoder does', async () => {
    expect(await hexOf(['a\ud800b', '\udc00', '\ud83d\ude00'])).toEqual([utf8Hex('a\uFFFDb'), utf8Hex('\uFFFD'), utf8Hex('😀')]);
  });

  it('reads back numbers exactly: integers, fractions, extremes, subnormals and −0 (property)', async () => {
    const fixed: number[] = [0, 1, -1, 0.1, 0.30000000000000004, -2.5e-8, 1e21, -1e21, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER,
      Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, -Number.MIN_VALUE, 2.2250738585072014e-308, 2.225073858507201e-308, 1_733_997_600_500];
    const check = async (values: number[]): Promise<void> => {
      const got = (await texts(values)).map(Number);
      got.forEach((g, i) => expect(Object.is(g, values[i]) || g === values[i], `${values[i]} read as ${g}`).toBe(true));
    };
    await check(fixed);
    await fc.assert(fc.asyncProperty(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 100 }), check), { numRuns: 30 });
    const [negZero] = await texts([-0]);
    expect(negZero).toBe('-0');
  });

  it('reads back bigints at the Int64 and UInt64 limits, booleans, NULL, Dates and nested arrays', async () => {
    expect(await texts([-(2n ** 63n), 2n ** 64n - 1n, 0n, -1n, true, false])).toEqual(['-9223372036854775808', '18446744073709551615', '0', '-1', '1', '0']);
    const sql = `SELECT ${literal(null)} AS n, ${literal(new Date(1_733_997_600_500))} AS d, ${literal([['a', "b'"], ['\\']])} AS a, ${literal([1, -2, 3.5])} AS f, ${literal([])} AS e, ${literal(['x', null])} AS m`;
    const rows = await (await client.query({ query: sql, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } })).json();
    expect(rows).toEqual([{ n: null, d: 1_733_997_600_500, a: [['a', "b'"], ['\\']], f: [1, -2, 3.5], e: [], m: ['x', null] }]);
  });

  it('never lets a negative literal after a minus sign become a comment', async () => {
    const sql = `SELECT 1 -${literal(-5)} AS x, 2 - ${literal(-0.5)} AS y`;
    expect(await (await client.query({ query: sql, format: 'JSONEachRow' })).json()).toEqual([{ x: 6, y: 2.5 }]);
  });
});

describe('literal() refusals', () => {
  it('refuses non-finite numbers, out-of-range bigints, invalid Dates and other types', () => {
    for (const bad of [NaN, Infinity, -Infinity, 2n ** 64n, -(2n ** 63n) - 1n, new Date(NaN), { a: 1 }, undefined, Symbol('s')]) {
      expect(() => literal(bad as LiteralValue), String(bad?.toString?.())).toThrow(LiteralError);
    }
    expect(() => literal([1, NaN])).toThrow(LiteralError);
  });

  it('writes only escapes that every ClickHouse version reads alike', () => {
    expect(literal("a'b\\c\n\0\x7f")).toBe("'a\\'b\\\\c\\x0A\\x00\\x7F'");
    expect(literal(-3)).toBe('(-3)');
    expect(literal(Number.MIN_VALUE)).toMatch(/^\(\S+ \* \S+\)$/);
  });
});
