import type { EventStore, Row } from '../types.js';
import { type PgDb, type PgParam } from './connection.js';

type Kind = 'text' | 'boolean' | 'bigint' | 'integer' | 'double precision' | 'ms' | 'json-list';

/** One table's columns, read from DuckDB under the same names (a `json-list` column is read as its JSON text). */
interface TableCopy {
  table: string;
  columns: readonly (readonly [name: string, kind: Kind])[];
}

/** Every meta table of the embedded file, in an order that needs no foreign key (there are none). */
export const META_TABLES: readonly TableCopy[] = [
  { table: 'projects', columns: [['name', 'text'], ['created_at', 'ms'], ['store_text', 'boolean']] },
  { table: 'api_keys', columns: [['id', 'text'], ['project', 'text'], ['scope', 'text'], ['name', 'text'], ['prefix', 'text'], ['hash', 'text'], ['created_at', 'ms'], ['revoked_at', 'ms']] },
  { table: 'export_jobs', columns: [['id', 'text'], ['project', 'text'], ['export_type', 'text'], ['format', 'text'], ['status', 'text'], ['spec', 'text'], ['created_at', 'ms'], ['started_at', 'ms'], ['finished_at', 'ms'], ['rows', 'bigint'], ['bytes', 'bigint'], ['error', 'text']] },
  { table: 'report_runs', columns: [['name', 'text'], ['period_start', 'ms'], ['period_end', 'ms'], ['status', 'text'], ['claimed_at', 'ms'], ['finished_at', 'ms'], ['detail', 'text']] },
  { table: 'alert_rules', columns: [['id', 'text'], ['project', 'text'], ['body', 'text'], ['created_at', 'bigint'], ['updated_at', 'bigint']] },
  { table: 'alerts', columns: [['id', 'text'], ['project', 'text'], ['rule_id', 'text'], ['fingerprint', 'text'], ['severity', 'text'], ['state', 'text'], ['tracked', 'boolean'], ['active_at', 'bigint'], ['updated_at', 'bigint'], ['body', 'text']] },
  { table: 'alert_groups', columns: [['key', 'text'], ['body', 'text']] },
  { table: 'alert_silences', columns: [['id', 'text'], ['project', 'text'], ['ends_at', 'bigint'], ['body', 'text']] },
  { table: 'alert_outbox', columns: [['id', 'text'], ['created_at', 'bigint'], ['position', 'integer'], ['group_key', 'text'], ['status', 'text'], ['notification', 'text'], ['done', 'json-list']] },
  { table: 'alert_deliveries', columns: [['id', 'text'], ['project', 'text'], ['group_key', 'text'], ['status', 'text'], ['alert_ids', 'json-list'], ['channel', 'text'], ['channel_type', 'text'], ['target', 'text'], ['attempt', 'integer'], ['outcome', 'text'], ['status_code', 'integer'], ['error', 'text'], ['duration_ms', 'double precision'], ['attempted_at', 'bigint']] },
];

export interface TableCount {
  table: string;
  /** Rows in the embedded file. */
  read: number;
  /** Rows written to PostgreSQL; the rest were there already (same primary key) and were left as they are. */
  copied: number;
}

const BATCH = 1_000;

/** The DuckDB query reading a table (a list column as JSON text, since the query layer returns no lists). */
function selectSql(t: TableCopy): string {
  const cols = t.columns.map(([name, kind]) => (kind === 'json-list' ? `to_json(${name})::VARCHAR AS ${name}` : name));
  return `SELECT ${cols.join(', ')} FROM ${t.table} ORDER BY ${t.columns[0]![0]}`;
}

/** INSERT … SELECT FROM unnest(one array per column): the values travel as parameters, never in the SQL text. */
function insertSql(t: TableCopy): string {
  const arrays = t.columns.map(([, kind], i) => {
    const type = kind === 'ms' ? 'bigint' : kind === 'json-list' ? 'text' : kind;
    return `$${i + 1}::${type}[]`;
  });
  const names = t.columns.map(([name]) => name);
  const values = t.columns.map(([name, kind]) =>
    kind === 'ms' ? `to_timestamp(u.${name} / 1000.0)` : kind === 'json-list' ? `ARRAY(SELECT jsonb_array_elements_text(u.${name}::jsonb))` : `u.${name}`);
  return `INSERT INTO ${t.table} (${names.join(', ')}) SELECT ${values.join(', ')} FROM unnest(${arrays.join(', ')}) AS u(${names.join(', ')})
    ON CONFLICT DO NOTHING`;
}

function column(rows: readonly Row[], name: string): PgParam {
  return rows.map((r) => {
    const v = r[name];
    return v === undefined ? null : typeof v === 'string' ? v.replaceAll('\u0000', '') : v;
  }) as PgParam;
}

/**
 * Copies the metadata of an embedded file (opened by the caller, alert tables included) into PostgreSQL, all tables in
 * one transaction: on any error nothing is written. Rows already in PostgreSQL (same primary key) are kept as they are,
 * so running it again copies only what is new. Returns the counts per table.
 */
export async function copyEmbeddedMeta(source: EventStore, target: PgDb): Promise<TableCount[]> {
  const counts: TableCount[] = [];
  await target.transaction(async (client) => {
    for (const t of META_TABLES) {
      const rows = await source.query(selectSql(t), []);
      let copied = 0;
      for (let i = 0; i < rows.length; i += BATCH) {
        const batch = rows.slice(i, i + BATCH);
        const result = await client.query(insertSql(t), t.columns.map(([name]) => column(batch, name)) as unknown[]);
        copied += result.rowCount ?? 0;
      }
      counts.push({ table: t.table, read: rows.length, copied });
    }
  });
  return counts;
}
