/**
 * Values as ClickHouse SQL literals. ClickHouse 18.16 (Debian's) has no server-side query parameters (`param_x` is
 * refused as an unknown setting), so every value a query carries is written into the SQL text by this one function,
 * as ClickHouse's own clients did before parameters existed. Nothing else in the ClickHouse store builds SQL from a
 * value.
 *
 * Strings follow ClickHouse's string-literal rules (docs: SQL syntax → "String"): single quotes, and inside them a
 * backslash starts an escape. Only escapes every version reads the same way are written — `\\`, `\'` and `\xHH` —
 * because an unknown escape `\c` reads as `c` on 18.16 but as `\c` from 20.5 on. Each control byte (0x00–0x1F, 0x7F)
 * becomes `\xHH`, so a literal never contains a raw newline, NUL or quote; every other character goes as its UTF-8
 * bytes (the query is sent as UTF-8; an unpaired UTF-16 surrogate, which UTF-8 cannot carry, becomes U+FFFD as it
 * would in any UTF-8 encoder). store/clickhouse/literal.test.ts round-trips every byte and random text through the
 * real server.
 *
 * Numbers: integers as digits, other finite numbers in JavaScript's shortest round-trip form (ClickHouse parses
 * literals with strtod, so the value is exact). A negative number is parenthesised, so a literal placed after a
 * minus sign can never form a `--` comment. Subnormal numbers, which 18.16's parser rejects, are written as an exact
 * product of two normal ones. NaN and ±Infinity are refused. BigInts must fit Int64 or UInt64 (18.16 has no wider
 * integers). Booleans are 1 and 0 (18.16 has no `true`); a Date is its epoch milliseconds, the form every timestamp
 * takes in Pulse's SQL; arrays become `[…]` of their elements' literals.
 */
export type LiteralValue = string | number | bigint | boolean | null | Date | readonly LiteralValue[];

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;
const MIN_NORMAL = 2.2250738585072014e-308;
const SCALE_UP = 2 ** 600;
const SCALE_DOWN = 2 ** -600;

export class LiteralError extends TypeError {
  override readonly name = 'LiteralError';
}

export function literal(value: LiteralValue): string {
  if (value === null) return 'NULL';
  switch (typeof value) {
    case 'string':
      return stringLiteral(value);
    case 'number':
      return numberLiteral(value);
    case 'bigint':
      return bigintLiteral(value);
    case 'boolean':
      return value ? '1' : '0';
    default:
      break;
  }
  if (value instanceof Date) {
    const ms = value.getTime();
    if (!Number.isFinite(ms)) throw new LiteralError('an invalid Date has no literal');
    return numberLiteral(ms);
  }
  if (Array.isArray(value)) return `[${value.map((v) => literal(v as LiteralValue)).join(', ')}]`;
  throw new LiteralError(`no ClickHouse literal for a value of type ${typeof value}`);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0').toUpperCase());

export function stringLiteral(value: string): string {
  let out = "'";
  let plainFrom = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    let escaped: string | null = null;
    if (c === 0x5c) escaped = '\\\\';
    else if (c === 0x27) escaped = "\\'";
    else if (c < 0x20 || c === 0x7f) escaped = `\\x${HEX[c]}`;
    else if (c >= 0xd800 && c <= 0xdfff) {
      const pair = c <= 0xdbff && i + 1 < value.length && isLowSurrogate(value.charCodeAt(i + 1));
      if (pair) {
        i++;
        continue;
      }
      escaped = '\uFFFD';
    }
    if (escaped !== null) {
      out += value.slice(plainFrom, i) + escaped;
      plainFrom = i + 1;
    }
  }
  return `${out}${value.slice(plainFrom)}'`;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

export function numberLiteral(value: number): string {
  if (!Number.isFinite(value)) throw new LiteralError(`${value} has no ClickHouse literal (only finite numbers do)`);
  if (Object.is(value, -0)) return '(-0.)';
  const abs = Math.abs(value);
  if (abs !== 0 && abs < MIN_NORMAL) {
    // value × 2^600 is normal and exact (a power-of-two scaling), and so is multiplying back.
    return `(${numberLiteral(value * SCALE_UP)} * ${SCALE_DOWN})`;
  }
  const text = String(value);
  return value < 0 ? `(${text})` : text;
}

function bigintLiteral(value: bigint): string {
  if (value < INT64_MIN || value > UINT64_MAX) throw new LiteralError(`${value} does not fit Int64 or UInt64`);
  return value < 0n ? `(${value})` : String(value);
}
