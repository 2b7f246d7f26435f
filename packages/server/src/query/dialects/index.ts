import type { DialectName } from '../../store/types.js';
import type { Dialect } from '../dialect.js';
import { clickhouseDialect } from './clickhouse.js';
import { duckdbDialect } from './duckdb.js';

const DIALECTS: Partial<Record<DialectName, Dialect>> = {
  duckdb: duckdbDialect,
  clickhouse: clickhouseDialect,
};

/** The dialect for a store (`store.dialect`). PostgreSQL holds metadata only, never events. */
export function dialectFor(name: DialectName): Dialect {
  const dialect = DIALECTS[name];
  if (!dialect) throw new Error(`no query dialect for store "${name}"`);
  return dialect;
}
