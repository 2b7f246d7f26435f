import type { DuckDbHandle } from '../../store/duckdb/open.js';
import { OwnConnectionStore } from '../../store/duckdb/own-connection.js';
import type { QueryParam, Row } from '../../store/types.js';
import { DELIVERY_OUTCOMES, type DeliveryOutcome, type DeliveryQuery, type DeliveryRecord, type DeliveryStore } from './delivery-store.js';

/**
 * Delivery attempts, in the same DuckDB file as the events. The table is created with IF NOT EXISTS (as the alert
 * engine's tables are) rather than as a numbered migration, so features do not compete for migration versions.
 */
const TABLES = [
  `CREATE TABLE IF NOT EXISTS alert_deliveries (id VARCHAR PRIMARY KEY, project VARCHAR NOT NULL,
     group_key VARCHAR NOT NULL, status VARCHAR NOT NULL, alert_ids VARCHAR[] NOT NULL, channel VARCHAR NOT NULL,
     channel_type VARCHAR NOT NULL, target VARCHAR NOT NULL, attempt INTEGER NOT NULL, outcome VARCHAR NOT NULL,
     status_code INTEGER, error VARCHAR, duration_ms DOUBLE NOT NULL, attempted_at BIGINT NOT NULL)`,
  'CREATE INDEX IF NOT EXISTS alert_deliveries_project_at ON alert_deliveries (project, attempted_at)',
];

const COLUMNS = 'id, project, group_key, status, alert_ids, channel, channel_type, target, attempt, outcome, status_code, error, duration_ms, attempted_at';

function toOutcome(v: unknown): DeliveryOutcome {
  const o = DELIVERY_OUTCOMES.find((x) => x === v);
  if (o === undefined) throw new Error(`alert_deliveries holds an unknown outcome: ${String(v)}`);
  return o;
}

function toRecord(r: Row): DeliveryRecord {
  return {
    id: String(r.id),
    project: String(r.project),
    group_key: String(r.group_key),
    status: r.status === 'resolved' ? 'resolved' : 'firing',
    // A VARCHAR[] reads back as its text form; the ids are stored as JSON alongside for an exact round trip.
    alert_ids: JSON.parse(String(r.alert_ids_json)) as string[],
    channel: String(r.channel),
    channel_type: String(r.channel_type),
    target: String(r.target),
    attempt: Number(r.attempt),
    outcome: toOutcome(r.outcome),
    status_code: r.status_code === null ? null : Number(r.status_code),
    error: r.error === null ? null : String(r.error),
    duration_ms: Number(r.duration_ms),
    at: Number(r.attempted_at),
  };
}

export class DuckDbDeliveryStore extends OwnConnectionStore implements DeliveryStore {
  constructor(db: DuckDbHandle) {
    super(db, 'delivery', TABLES);
  }

  async record(r: DeliveryRecord): Promise<void> {
    await this.open().changed(`INSERT INTO alert_deliveries (${COLUMNS}) VALUES (?, ?, ?, ?, ?::VARCHAR[], ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
      r.id, r.project, r.group_key, r.status, r.alert_ids, r.channel, r.channel_type, r.target, r.attempt, r.outcome,
      r.status_code, r.error, r.duration_ms, r.at,
    ]);
  }

  async list(q: DeliveryQuery): Promise<DeliveryRecord[]> {
    const where = ['project = ?'];
    const params: QueryParam[] = [q.project];
    if (q.alertId !== undefined) { where.push('list_contains(alert_ids, ?)'); params.push(q.alertId); }
    if (q.channel !== undefined) { where.push('channel = ?'); params.push(q.channel); }
    if (q.outcome !== undefined) { where.push('outcome = ?'); params.push(q.outcome); }
    params.push(q.limit);
    const rows = await this.open().rows(
      `SELECT ${COLUMNS.replace('alert_ids', 'to_json(alert_ids)::VARCHAR AS alert_ids_json')} FROM alert_deliveries
       WHERE ${where.join(' AND ')} ORDER BY attempted_at DESC, attempt DESC, id LIMIT ?`,
      params,
    );
    return rows.map(toRecord);
  }

  async prune(beforeMs: number): Promise<number> {
    return this.open().changed('DELETE FROM alert_deliveries WHERE attempted_at < ?', [beforeMs]);
  }
}
