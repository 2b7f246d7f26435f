import type { QueryParam } from '../types.js';
import { literal, LiteralError } from './literal.js';

/**
 * Binds values to the placeholders the ClickHouse dialect writes (`{p0:String}`, `{p1:Int64}`; query/dialects/
 * clickhouse.ts): each is replaced, in one pass over the compiled SQL, by its value's literal (literal.ts). One pass
 * means a literal's own text is never scanned for placeholders. The same syntax is what ClickHouse 19.15+ binds
 * server-side, so moving to server parameters later changes this file only.
 *
 * A placeholder's type is checked against its value: a String takes a string (or a string array), an Int64 a safe
 * integer. Anything else, or an index without a value, is a programming error and throws before the query is sent.
 */
const PLACEHOLDER = /\{p(\d+):(String|Int64)\}/g;

export function bindParams(sql: string, params: readonly QueryParam[]): string {
  return sql.replace(PLACEHOLDER, (_, index: string, type: 'String' | 'Int64') => {
    const i = Number(index);
    if (i >= params.length) throw new LiteralError(`placeholder p${i} has no value (${params.length} given)`);
    const value = params[i]!;
    if (type === 'Int64') {
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new LiteralError(`p${i} is Int64 but its value is ${JSON.stringify(value)}`);
    } else if (typeof value !== 'string' && !(Array.isArray(value) && value.every((v) => typeof v === 'string'))) {
      throw new LiteralError(`p${i} is String but its value is ${JSON.stringify(value)}`);
    }
    return literal(value);
  });
}
