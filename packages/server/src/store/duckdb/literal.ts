import type { QueryParam } from '../types.js';

/**
 * Values as DuckDB SQL literals, and the one pass that writes a statement's `$n` values into its text.
 *
 * Why: DuckDB plans a statement with parameters again on every run (a parameterised plan that reads a table is never
 * kept), but keeps the plan of one without parameters — and the read connections keep statements by text
 * (prepared-connection.ts). With the values written in, a query that comes again (the same custom range reloaded, a
 * report, a benchmark's repetitions) skips parsing, binding and optimising: errors by type over 7 days at 10M events
 * took 3.4 ms to run with parameters and 2.0 ms with the values written in and its plan kept. The event store writes
 * them in only for a query it has seen recently (DuckDbEventStore.query), so a new one costs what it did and keeps
 * nothing. Keeping a plan is safe only because `statistics_propagation` is off (open.ts): no kept plan depends on what
 * the table held when it was made.
 *
 * Each literal keeps the type its value is bound with (values.ts `bindParams`): a string is `CAST('…' AS VARCHAR)`
 * (not an untyped string literal, which DuckDB would cast to whatever it meets), a safe integer `CAST(n AS BIGINT)`,
 * another finite number `CAST('…' AS DOUBLE)` (its shortest round-trip text, which DuckDB parses exactly), a boolean
 * `true`/`false`, NULL `NULL`, and a string array `CAST([…] AS VARCHAR[])`. Strings follow SQL's standard rule (DuckDB
 * has no backslash escapes in '…'): a quote is doubled; every other character goes as it is, except NUL, which would
 * end the statement's text where DuckDB's C API reads it, and is written as `chr(0)` joined with `||`.
 * store/duckdb/literal.test.ts round-trips every code unit and random text through DuckDB against bound values.
 */
export class LiteralError extends TypeError {
  override readonly name = 'LiteralError';
}

export function stringLiteral(value: string): string {
  const parts = value.split('\u0000').map((part) => `'${part.replaceAll("'", "''")}'`);
  return `CAST(${parts.join(' || chr(0) || ')} AS VARCHAR)`;
}

export function literal(value: QueryParam): string {
  if (value === null) return 'NULL';
  switch (typeof value) {
    case 'string':
      return stringLiteral(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (Number.isSafeInteger(value)) return `CAST(${value} AS BIGINT)`;
      if (!Number.isFinite(value)) throw new LiteralError(`${value} has no DuckDB literal (only finite numbers do)`);
      return `CAST('${String(value)}' AS DOUBLE)`;
    default:
      break;
  }
  if (Array.isArray(value)) {
    if (!value.every((v) => typeof v === 'string')) throw new LiteralError('only arrays of strings are bound (as VARCHAR[])');
    return `CAST([${value.map(stringLiteral).join(', ')}] AS VARCHAR[])`;
  }
  throw new LiteralError(`no DuckDB literal for a value of type ${typeof value}`);
}

/**
 * `sql` with each `$n` placeholder replaced by the literal of `params[n - 1]`, in one pass that skips string literals,
 * quoted identifiers and comments (so text inside them is never taken for a placeholder, and a literal written in is
 * never scanned again). Every value must be used: a count that does not match is a programming error and throws.
 * A statement without `$n` placeholders (none given, or `?` ones) comes back as it is, its values still to be bound.
 */
export function inlineParams(sql: string, params: readonly QueryParam[]): { sql: string; params: readonly QueryParam[] } {
  if (params.length === 0) return { sql, params };
  let out = '';
  let from = 0;
  const used = new Set<number>();
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i];
    if (c === "'" || c === '"') {
      i = closing(sql, i, c);
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === '$' && isDigit(sql.charCodeAt(i + 1))) {
      let end = i + 1;
      while (isDigit(sql.charCodeAt(end))) end++;
      const n = Number(sql.slice(i + 1, end));
      if (n < 1 || n > params.length) throw new LiteralError(`placeholder $${n} has no value (${params.length} given)`);
      used.add(n);
      out += sql.slice(from, i) + literal(params[n - 1]!);
      from = end;
      i = end - 1;
    }
  }
  if (used.size === 0) return { sql, params };
  if (used.size !== params.length) throw new LiteralError(`${params.length} values were given for ${used.size} placeholders`);
  return { sql: out + sql.slice(from), params: [] };
}

/** The index of the quote closing the one at `start` (a doubled quote inside is part of the text). */
function closing(sql: string, start: number, quote: string): number {
  let i = start + 1;
  for (;;) {
    const end = sql.indexOf(quote, i);
    if (end < 0) return sql.length;
    if (sql[end + 1] !== quote) return end;
    i = end + 2;
  }
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}
