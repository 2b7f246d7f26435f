import { DELIVERY_OUTCOMES, type DeliveryOutcome, type DeliveryQuery, type DeliveryRecord, type DeliveryStore } from '../../alerts/delivery/delivery-store.js';
import { clean, num, numOrNull, PgStore, strOrNull, type PgDb, type PgParam, type PgRow } from './connection.js';

const COLUMNS = 'id, project, group_key, status, alert_ids, channel, channel_type, target, attempt, outcome, status_code, error, duration_ms, attempted_at';

function toOutcome(v: unknown): DeliveryOutcome {
  const o = DELIVERY_OUTCOMES.find((x) => x === v);
  if (o === undefined) throw new Error(`alert_deliveries holds an unknown outcome: ${String(v)}`);
  return o;
}

function toRecord(r: PgRow): DeliveryRecord {
  return {
    id: String(r.id), project: String(r.project), group_key: String(r.group_key),
    status: r.status === 'resolved' ? 'resolved' : 'firing',
    alert_ids: (r.alert_ids as unknown[]).map(String), // text[] arrives as a JS array
    channel: String(r.channel), channel_type: String(r.channel_type), target: String(r.target),
    attempt: num(r.attempt), outcome: toOutcome(r.outcome), status_code: numOrNull(r.status_code),
    error: strOrNull(r.error), duration_ms: num(r.duration_ms), at: num(r.attempted_at),
  };
}

/** Delivery attempts in PostgreSQL (table `alert_deliveries`, migration 3). */
export class PostgresDeliveryStore extends PgStore implements DeliveryStore {
  constructor(db: PgDb) {
    super(db, 'delivery');
  }

  async record(r: DeliveryRecord): Promise<void> {
    await this.db().changed(
      `INSERT INTO alert_deliveries (${COLUMNS}) VALUES ($1, $2, $3, $4, $5::text[], $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      [r.id, r.project, r.group_key, r.status, r.alert_ids, r.channel, r.channel_type, clean(r.target), r.attempt, r.outcome,
        r.status_code, clean(r.error), r.duration_ms, Math.round(r.at)],
    );
  }

  async list(q: DeliveryQuery): Promise<DeliveryRecord[]> {
    const params: PgParam[] = [q.project];
    const where = ['project = $1'];
    const add = (sql: (p: string) => string, value: PgParam): void => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    if (q.alertId !== undefined) add((p) => `alert_ids @> ARRAY[${p}::text]`, q.alertId);
    if (q.channel !== undefined) add((p) => `channel = ${p}`, q.channel);
    if (q.outcome !== undefined) add((p) => `outcome = ${p}`, q.outcome);
    params.push(q.limit);
    const rows = await this.db().rows(
      `SELECT ${COLUMNS} FROM alert_deliveries WHERE ${where.join(' AND ')}
       ORDER BY attempted_at DESC, attempt DESC, id COLLATE "C" LIMIT $${params.length}`,
      params,
    );
    return rows.map(toRecord);
  }

  async prune(beforeMs: number): Promise<number> {
    return this.db().changed('DELETE FROM alert_deliveries WHERE attempted_at < $1', [beforeMs]);
  }
}
