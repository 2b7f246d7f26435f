import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueryParam, Row } from '../types.js';
import { inlineParams, literal, LiteralError } from './literal.js';
import { PreparedConnection } from './prepared-connection.js';

/** The literals against the same values bound as parameters, through a real DuckDB (in memory). */
let instance: DuckDBInstance;
let db: PreparedConnection;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  db = new PreparedConnection(await instance.connect());
});
afterAll(async () => {
  await db.close();
  instance.closeSync();
});

/** The literal's value and type, and whether it equals (IS NOT DISTINCT FROM) the value bound. */
async function compare(value: QueryParam): Promise<Row> {
  const lit = literal(value);
  const [row] = await db.rows(`SELECT ${lit} AS v, typeof(${lit}) AS t, ${lit} IS NOT DISTINCT FROM $1 AS same, $1 AS bound, typeof($1) AS bt`, [value]);
  return row!;
}

function randomText(seed: number, length: number): string {
  let x = seed;
  const next = (): number => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x;
  };
  const pool = ["'", "''", '"', '\\', '\u0000', '\n', '\r', '\t', '$1', '$', '?', '--', '/*', '*/', ';', 'é', '日', '🎉', 'a', ' ', '\u007f'];
  let s = '';
  for (let i = 0; i < length; i++) s += next() % 3 === 0 ? String.fromCharCode(next() % 0x2000) : pool[next() % pool.length];
  return s;
}

describe('DuckDB literals', () => {
  it('round-trip every UTF-16 code unit but lone surrogates, as their bound value does', async () => {
    for (let from = 0; from < 0x10000; from += 2048) {
      let s = '';
      for (let c = from; c < from + 2048; c++) if (c < 0xd800 || c > 0xdfff) s += String.fromCharCode(c);
      if (s === '') continue;
      const row = await compare(s);
      expect(row.same, `code units from ${from.toString(16)}`).toBe(true);
      expect(row.v).toBe(s);
      expect(row.t).toBe('VARCHAR');
    }
  });

  it('carry lone surrogates, pairs, NUL, quotes and SQL-looking text as binding does', async () => {
    const cases = ['\ud800', 'a\udc00b', '🎉\ud83c', "'", "''", "it's", '\u0000', '\u0000\u0000x\u0000', "'; DROP TABLE t; --", '$1 $2 ? {p0:String}', '*/ SELECT 1 /*', 'back\\slash\\', ''];
    for (let seed = 1; seed <= 40; seed++) cases.push(randomText(seed, 1 + (seed * 7) % 60));
    for (const s of cases) {
      const row = await compare(s);
      expect(row.same, JSON.stringify(s)).toBe(true);
      expect(row.v).toBe(row.bound);
    }
  });

  it('keep numbers exact and typed as bound: BIGINT for safe integers, DOUBLE for the rest', async () => {
    const ints = [0, 1, -1, 42, -7, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 1_796_263_200_000];
    for (const n of ints) {
      const row = await compare(n);
      expect(row).toMatchObject({ same: true, t: 'BIGINT', bt: 'BIGINT', v: n });
    }
    const doubles = [0.1, -2.5, 1 / 3, 1e-320, 5e-324, -5e-324, 1.7976931348623157e308, -1.7976931348623157e308, 2 ** 53 + 2, 1e21, 123.456e-7];
    for (const d of doubles) {
      const row = await compare(d);
      expect(row, String(d)).toMatchObject({ same: true, t: 'DOUBLE', bt: 'DOUBLE', v: d });
    }
  });

  it('write booleans, NULL and string arrays', async () => {
    expect(await compare(true)).toMatchObject({ same: true, v: true, t: 'BOOLEAN' });
    expect(await compare(false)).toMatchObject({ same: true, v: false, t: 'BOOLEAN' });
    expect((await db.rows(`SELECT ${literal(null)} IS NULL AS n`, []))[0]).toEqual({ n: true });
    for (const list of [[], ['a'], ["it's", '\u0000', 'é🎉', '$1']]) {
      const [row] = await db.rows(`SELECT ${literal(list)} = $1 AS same, typeof(${literal(list)}) AS t, len(${literal(list)}) AS n`, [list]);
      expect(row).toEqual({ same: true, t: 'VARCHAR[]', n: list.length });
    }
  });

  it('refuse what has no literal', () => {
    expect(() => literal(Number.NaN)).toThrow(LiteralError);
    expect(() => literal(Number.POSITIVE_INFINITY)).toThrow(LiteralError);
    expect(() => literal([1, 2] as unknown as string[])).toThrow(LiteralError);
  });
});

describe('inlineParams', () => {
  it('replaces $n placeholders only, and never inside quotes or comments', () => {
    const sql = `SELECT '$1' AS "$2", $2 AS b, $10 AS j -- $1\n/* $1 */ FROM t WHERE x = $1 AND y = 'a''$1'`;
    const params: QueryParam[] = ['one', 2, 3, 4, 5, 6, 7, 8, 9, 'ten'];
    const used = `SELECT '$1' AS "$2", CAST(2 AS BIGINT) AS b, CAST('ten' AS VARCHAR) AS j -- $1\n/* $1 */ FROM t WHERE x = CAST('one' AS VARCHAR) AND y = 'a''$1'`;
    // $3…$9 unused: a programming error.
    expect(() => inlineParams(sql, params)).toThrow(/10 values were given for 3 placeholders/);
    const all = `${sql} AND z IN ($3, $4, $5, $6, $7, $8, $9)`;
    expect(inlineParams(all, params).sql).toBe(`${used} AND z IN (${[3, 4, 5, 6, 7, 8, 9].map((n) => `CAST(${n} AS BIGINT)`).join(', ')})`);
    expect(inlineParams(all, params).params).toEqual([]);
  });

  it('never rescans a value written in, and refuses a placeholder without a value', () => {
    expect(inlineParams('SELECT $1, $2', ['$2', 'x']).sql).toBe("SELECT CAST('$2' AS VARCHAR), CAST('x' AS VARCHAR)");
    expect(() => inlineParams('SELECT $1, $3', ['a', 'b'])).toThrow(/\$3 has no value/);
  });

  it('leaves statements without $n placeholders, and with none given, to binding', () => {
    expect(inlineParams('SELECT ? AS v', [1])).toEqual({ sql: 'SELECT ? AS v', params: [1] });
    expect(inlineParams('SELECT $1 AS v', [])).toEqual({ sql: 'SELECT $1 AS v', params: [] });
  });

  it('answers as the bound statement does, hostile values included', async () => {
    await db.changed('CREATE TABLE t (s VARCHAR, n BIGINT)', []);
    const values = ["'; DROP TABLE t; --", 'x\u0000y', 'ünï 🎉', "a'b", '$1'];
    for (const [i, v] of values.entries()) await db.changed('INSERT INTO t VALUES ($1, $2)', [v, i]);
    for (const v of values) {
      const sql = 'SELECT n FROM t WHERE s = $1 AND n >= $2 ORDER BY n';
      const inlined = inlineParams(sql, [v, 0]);
      expect(inlined.params).toEqual([]);
      expect(await db.rows(inlined.sql, [])).toEqual(await db.rows(sql, [v, 0]));
      expect(await db.rows(inlined.sql, [])).toHaveLength(1);
    }
    expect(await db.rows('SELECT count(*) AS n FROM t', [])).toEqual([{ n: values.length }]);
  });
});
