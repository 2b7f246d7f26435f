import type { DuckDbHandle } from '../../store/duckdb/open.js';
import { OwnConnectionStore } from '../../store/duckdb/own-connection.js';
import type { PreparedConnection } from '../../store/duckdb/prepared-connection.js';
import type { QueryParam, Row } from '../../store/types.js';
import type { GroupState } from '../engine/grouping.js';
import type { AlertInstance } from '../engine/instance.js';
import type { Silence } from '../engine/silences.js';
import type { Notification } from '../types.js';
import type { AlertCommit, AlertQuery, AlertStore, OutboxEntry, StoredRule } from './alert-store.js';

/** Where a store's statements run: its connection, or a transaction on it. */
type Statements = Pick<PreparedConnection, 'rows' | 'changed'>;

/**
 * The alert tables live in the same DuckDB file as the events and keys. They are created here with IF NOT EXISTS
 * rather than as a numbered migration, so the alerting feature does not compete with other features for migration
 * versions; each row keeps its full JSON in `body`, with the columns the API filters on beside it.
 */
const TABLES = [
  `CREATE TABLE IF NOT EXISTS alert_rules (id VARCHAR PRIMARY KEY, project VARCHAR NOT NULL, body VARCHAR NOT NULL,
     created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS alerts (id VARCHAR PRIMARY KEY, project VARCHAR NOT NULL, rule_id VARCHAR NOT NULL,
     fingerprint VARCHAR NOT NULL, severity VARCHAR NOT NULL, state VARCHAR NOT NULL, tracked BOOLEAN NOT NULL,
     active_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, body VARCHAR NOT NULL)`,
  'CREATE INDEX IF NOT EXISTS alerts_project_updated ON alerts (project, updated_at)',
  'CREATE TABLE IF NOT EXISTS alert_groups (key VARCHAR PRIMARY KEY, body VARCHAR NOT NULL)',
  `CREATE TABLE IF NOT EXISTS alert_silences (id VARCHAR PRIMARY KEY, project VARCHAR NOT NULL, ends_at BIGINT NOT NULL,
     body VARCHAR NOT NULL)`,
  // Notifications not yet finished with by every channel (alert-store.ts OutboxEntry); `done`: the channels that have.
  `CREATE TABLE IF NOT EXISTS alert_outbox (id VARCHAR PRIMARY KEY, created_at BIGINT NOT NULL, position INTEGER NOT NULL,
     group_key VARCHAR NOT NULL, status VARCHAR NOT NULL, notification VARCHAR NOT NULL, done VARCHAR[] NOT NULL)`,
];

export class DuckDbAlertStore extends OwnConnectionStore implements AlertStore {
  constructor(db: DuckDbHandle) {
    super(db, 'alert', TABLES);
  }

  async listRules(): Promise<StoredRule[]> {
    const rows = await this.open().rows('SELECT id, project, body, created_at, updated_at FROM alert_rules ORDER BY created_at, id', []);
    return rows.map((r) => ({
      id: String(r.id), project: String(r.project), body: JSON.parse(String(r.body)) as Record<string, unknown>,
      createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
    }));
  }

  async putRule(rule: StoredRule): Promise<void> {
    await this.open().changed('INSERT OR REPLACE INTO alert_rules VALUES (?, ?, ?, ?, ?)', [
      rule.id, rule.project, JSON.stringify(rule.body), rule.createdAt, rule.updatedAt,
    ]);
  }

  async deleteRule(id: string): Promise<boolean> {
    return (await this.open().changed('DELETE FROM alert_rules WHERE id = ?', [id])) > 0;
  }

  async loadTracked(): Promise<AlertInstance[]> {
    return (await this.open().rows('SELECT body FROM alerts WHERE tracked', [])).map(toInstance);
  }

  async saveAlerts(batch: readonly { alert: AlertInstance; tracked: boolean }[]): Promise<void> {
    await saveAlerts(this.open(), batch);
  }

  async deleteAlerts(ids: readonly string[]): Promise<void> {
    await deleteAlerts(this.open(), ids);
  }

  async listAlerts(q: AlertQuery): Promise<AlertInstance[]> {
    const where = ['project = ?'];
    const params: QueryParam[] = [q.project];
    if (q.severity !== undefined) { where.push('severity = ?'); params.push(q.severity); }
    if (q.state !== undefined) { where.push('state = ?'); params.push(q.state); }
    if (q.rule !== undefined) { where.push('rule_id = ?'); params.push(q.rule); }
    if (q.since !== undefined) { where.push('(updated_at >= ? OR tracked)'); params.push(q.since); }
    params.push(q.limit);
    // Active alerts first (seed 004's "get active alerts"), then the latest changes.
    const sql = `SELECT body FROM alerts WHERE ${where.join(' AND ')} ORDER BY tracked DESC, updated_at DESC, id LIMIT ?`;
    return (await this.open().rows(sql, params)).map(toInstance);
  }

  async prune(beforeMs: number): Promise<number> {
    const alerts = await this.open().changed('DELETE FROM alerts WHERE NOT tracked AND updated_at < ?', [beforeMs]);
    const silences = await this.open().changed('DELETE FROM alert_silences WHERE ends_at < ?', [beforeMs]);
    return alerts + silences;
  }

  async getAlert(id: string): Promise<AlertInstance | null> {
    const rows = await this.open().rows('SELECT body FROM alerts WHERE id = ?', [id]);
    return rows[0] === undefined ? null : toInstance(rows[0]);
  }

  async loadGroups(): Promise<GroupState[]> {
    return (await this.open().rows('SELECT body FROM alert_groups', [])).map((r) => JSON.parse(String(r.body)) as GroupState);
  }

  async saveGroups(upserts: readonly GroupState[], deletes: readonly string[]): Promise<void> {
    await saveGroups(this.open(), upserts, deletes);
  }

  async commit(step: AlertCommit): Promise<void> {
    await this.transaction(async (c) => {
      await saveAlerts(c, step.saves);
      await deleteAlerts(c, step.deletes);
      await saveGroups(c, step.groupUpserts, step.groupDeletes);
      for (const e of step.outbox) {
        await c.changed('INSERT INTO alert_outbox VALUES (?, ?, ?, ?, ?, ?, ?::VARCHAR[])', [
          e.id, e.createdAt, e.position, e.notification.groupKey, e.notification.status, JSON.stringify(e.notification), e.done,
        ]);
      }
    });
  }

  async listOutbox(): Promise<OutboxEntry[]> {
    const rows = await this.open().rows(
      'SELECT id, created_at, position, notification, to_json(done)::VARCHAR AS done_json FROM alert_outbox ORDER BY created_at, position, id',
      [],
    );
    return rows.map((r) => ({
      id: String(r.id), createdAt: Number(r.created_at), position: Number(r.position),
      notification: JSON.parse(String(r.notification)) as Notification, done: JSON.parse(String(r.done_json)) as string[],
    }));
  }

  async outboxChannelDone(id: string, channel: string): Promise<void> {
    await this.open().changed('UPDATE alert_outbox SET done = list_append(done, ?) WHERE id = ? AND NOT list_contains(done, ?)', [channel, id, channel]);
  }

  async deleteOutbox(id: string): Promise<void> {
    await this.open().changed('DELETE FROM alert_outbox WHERE id = ?', [id]);
  }

  async listSilences(): Promise<Silence[]> {
    return (await this.open().rows('SELECT body FROM alert_silences ORDER BY id', [])).map((r) => JSON.parse(String(r.body)) as Silence);
  }

  async putSilence(s: Silence): Promise<void> {
    await this.open().changed('INSERT OR REPLACE INTO alert_silences VALUES (?, ?, ?, ?)', [s.id, s.project, s.endsAt, JSON.stringify(s)]);
  }

  async deleteSilence(id: string): Promise<boolean> {
    return (await this.open().changed('DELETE FROM alert_silences WHERE id = ?', [id])) > 0;
  }

}

async function saveAlerts(c: Statements, batch: readonly { alert: AlertInstance; tracked: boolean }[]): Promise<void> {
  // The last entry of an id wins (one INSERT OR REPLACE with an id twice would keep the first).
  const alerts = [...new Map(batch.map((x) => [x.alert.id, x])).values()];
  for (let i = 0; i < alerts.length; i += 200) {
    const chunk = alerts.slice(i, i + 200);
    const params: QueryParam[] = [];
    for (const { alert: a, tracked } of chunk) {
      const state = a.state === 'firing' && a.acknowledgedAt !== null ? 'acknowledged' : a.state;
      params.push(a.id, a.project, a.ruleId, a.fingerprint, a.severity, state, tracked, a.activeAt, a.stateSince, JSON.stringify(a));
    }
    await c.changed(`INSERT OR REPLACE INTO alerts VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`, params);
  }
}

async function deleteAlerts(c: Statements, ids: readonly string[]): Promise<void> {
  if (ids.length > 0) await c.changed('DELETE FROM alerts WHERE list_contains(?, id)', [ids]);
}

async function saveGroups(c: Statements, upserts: readonly GroupState[], deletes: readonly string[]): Promise<void> {
  if (deletes.length > 0) await c.changed('DELETE FROM alert_groups WHERE list_contains(?, key)', [deletes]);
  for (const g of upserts) await c.changed('INSERT OR REPLACE INTO alert_groups VALUES (?, ?)', [g.key, JSON.stringify(g)]);
}

function toInstance(row: Row): AlertInstance {
  return JSON.parse(String(row.body)) as AlertInstance;
}
