import type { AlertCommit, AlertQuery, AlertStore, OutboxEntry, StoredRule } from '../../alerts/store/alert-store.js';
import type { Notification } from '../../alerts/types.js';
import type { GroupState } from '../../alerts/engine/grouping.js';
import type { AlertInstance } from '../../alerts/engine/instance.js';
import type { Silence } from '../../alerts/engine/silences.js';
import { num, PgStore, type PgDb, type PgParam, type PgRow } from './connection.js';

const toInstance = (row: PgRow): AlertInstance => JSON.parse(String(row.body)) as AlertInstance;

/** Where a store's changes run: the pool, or one transaction's connection. Returns the rows changed. */
type Change = (sql: string, params: readonly PgParam[]) => Promise<number>;

/** Last entry per id: one INSERT … ON CONFLICT may not touch a row twice. */
function lastById<T>(items: readonly T[], id: (item: T) => string): T[] {
  return [...new Map(items.map((item) => [id(item), item])).values()];
}

/**
 * Rules created through the API, alert instances and their history, notification groups and silences in PostgreSQL
 * (migration 3), and the notification outbox (migration 7), each row keeping its full JSON in `body` beside the columns the API filters on — as the DuckDB
 * store does, so both answer the same.
 */
export class PostgresAlertStore extends PgStore implements AlertStore {
  constructor(db: PgDb) {
    super(db, 'alert');
  }

  private change(): Change {
    const db = this.db();
    return (sql, params) => db.changed(sql, params);
  }

  async listRules(): Promise<StoredRule[]> {
    const rows = await this.db().rows('SELECT id, project, body, created_at, updated_at FROM alert_rules ORDER BY created_at, id COLLATE "C"');
    return rows.map((r) => ({
      id: String(r.id), project: String(r.project), body: JSON.parse(String(r.body)) as Record<string, unknown>,
      createdAt: num(r.created_at), updatedAt: num(r.updated_at),
    }));
  }

  async putRule(rule: StoredRule): Promise<void> {
    await this.db().changed(
      `INSERT INTO alert_rules (id, project, body, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO UPDATE SET project = excluded.project, body = excluded.body, created_at = excluded.created_at,
       updated_at = excluded.updated_at`,
      [rule.id, rule.project, JSON.stringify(rule.body), rule.createdAt, rule.updatedAt],
    );
  }

  async deleteRule(id: string): Promise<boolean> {
    return (await this.db().changed('DELETE FROM alert_rules WHERE id = $1', [id])) > 0;
  }

  async loadTracked(): Promise<AlertInstance[]> {
    return (await this.db().rows('SELECT body FROM alerts WHERE tracked ORDER BY id COLLATE "C"')).map(toInstance);
  }

  async saveAlerts(alerts: readonly { alert: AlertInstance; tracked: boolean }[]): Promise<void> {
    await saveAlerts(this.change(), alerts);
  }

  async deleteAlerts(ids: readonly string[]): Promise<void> {
    await deleteAlerts(this.change(), ids);
  }

  async listAlerts(q: AlertQuery): Promise<AlertInstance[]> {
    const params: PgParam[] = [q.project];
    const where = ['project = $1'];
    const add = (sql: (p: string) => string, value: PgParam): void => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    if (q.severity !== undefined) add((p) => `severity = ${p}`, q.severity);
    if (q.state !== undefined) add((p) => `state = ${p}`, q.state);
    if (q.rule !== undefined) add((p) => `rule_id = ${p}`, q.rule);
    if (q.since !== undefined) add((p) => `(updated_at >= ${p} OR tracked)`, q.since);
    params.push(q.limit);
    // Active alerts first (seed 004's "get active alerts"), then the latest changes.
    const sql = `SELECT body FROM alerts WHERE ${where.join(' AND ')} ORDER BY tracked DESC, updated_at DESC, id COLLATE "C" LIMIT $${params.length}`;
    return (await this.db().rows(sql, params)).map(toInstance);
  }

  async getAlert(id: string): Promise<AlertInstance | null> {
    const [row] = await this.db().rows('SELECT body FROM alerts WHERE id = $1', [id]);
    return row === undefined ? null : toInstance(row);
  }

  async prune(beforeMs: number): Promise<number> {
    const alerts = await this.db().changed('DELETE FROM alerts WHERE NOT tracked AND updated_at < $1', [beforeMs]);
    const silences = await this.db().changed('DELETE FROM alert_silences WHERE ends_at < $1', [beforeMs]);
    return alerts + silences;
  }

  async loadGroups(): Promise<GroupState[]> {
    return (await this.db().rows('SELECT body FROM alert_groups ORDER BY key COLLATE "C"')).map((r) => JSON.parse(String(r.body)) as GroupState);
  }

  async saveGroups(upserts: readonly GroupState[], deletes: readonly string[]): Promise<void> {
    await saveGroups(this.change(), upserts, deletes);
  }

  async commit(step: AlertCommit): Promise<void> {
    await this.db().transaction(async (client) => {
      const change: Change = async (sql, params) => (await client.query(sql, params as unknown[])).rowCount ?? 0;
      await saveAlerts(change, step.saves);
      await deleteAlerts(change, step.deletes);
      await saveGroups(change, step.groupUpserts, step.groupDeletes);
      const entries = lastById(step.outbox, (e) => e.id);
      if (entries.length === 0) return;
      await change(
        `INSERT INTO alert_outbox (id, created_at, position, group_key, status, notification, done)
         SELECT u.id, u.created_at, u.position, u.group_key, u.status, u.notification,
           ARRAY(SELECT jsonb_array_elements_text(u.done::jsonb))
         FROM unnest($1::text[], $2::bigint[], $3::integer[], $4::text[], $5::text[], $6::text[], $7::text[])
           AS u(id, created_at, position, group_key, status, notification, done)`,
        [
          entries.map((e) => e.id), entries.map((e) => Math.round(e.createdAt)), entries.map((e) => e.position),
          entries.map((e) => e.notification.groupKey), entries.map((e) => e.notification.status),
          entries.map((e) => JSON.stringify(e.notification)), entries.map((e) => JSON.stringify(e.done)),
        ],
      );
    });
  }

  async listOutbox(): Promise<OutboxEntry[]> {
    const rows = await this.db().rows('SELECT id, created_at, position, notification, done FROM alert_outbox ORDER BY created_at, position, id COLLATE "C"');
    return rows.map((r) => ({
      id: String(r.id), createdAt: num(r.created_at), position: num(r.position),
      notification: JSON.parse(String(r.notification)) as Notification, done: (r.done as string[]).map(String),
    }));
  }

  async outboxChannelDone(id: string, channel: string): Promise<void> {
    await this.db().changed('UPDATE alert_outbox SET done = array_append(done, $2) WHERE id = $1 AND NOT ($2 = ANY(done))', [id, channel]);
  }

  async deleteOutbox(id: string): Promise<void> {
    await this.db().changed('DELETE FROM alert_outbox WHERE id = $1', [id]);
  }

  async listSilences(): Promise<Silence[]> {
    return (await this.db().rows('SELECT body FROM alert_silences ORDER BY id COLLATE "C"')).map((r) => JSON.parse(String(r.body)) as Silence);
  }

  async putSilence(s: Silence): Promise<void> {
    await this.db().changed(
      `INSERT INTO alert_silences (id, project, ends_at, body) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO UPDATE SET project = excluded.project, ends_at = excluded.ends_at, body = excluded.body`,
      [s.id, s.project, Math.round(s.endsAt), JSON.stringify(s)],
    );
  }

  async deleteSilence(id: string): Promise<boolean> {
    return (await this.db().changed('DELETE FROM alert_silences WHERE id = $1', [id])) > 0;
  }
}

/** One statement for any number of alerts: the values travel as one array per column. */
async function saveAlerts(change: Change, alerts: readonly { alert: AlertInstance; tracked: boolean }[]): Promise<void> {
  const items = lastById(alerts, (x) => x.alert.id);
  if (items.length === 0) return;
  const state = (a: AlertInstance): string => (a.state === 'firing' && a.acknowledgedAt !== null ? 'acknowledged' : a.state);
  await change(
    `INSERT INTO alerts (id, project, rule_id, fingerprint, severity, state, tracked, active_at, updated_at, body)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::boolean[],
       $8::bigint[], $9::bigint[], $10::text[])
     ON CONFLICT (id) DO UPDATE SET project = excluded.project, rule_id = excluded.rule_id,
       fingerprint = excluded.fingerprint, severity = excluded.severity, tracked = excluded.tracked,
       active_at = excluded.active_at, updated_at = excluded.updated_at,
       -- An acknowledgement made on another instance wins over the leader's copy saved meanwhile without it: an
       -- alert stays acknowledged until it resolves (the engine never un-acknowledges a firing alert).
       state = CASE WHEN alerts.state = 'acknowledged' AND excluded.state = 'firing' THEN 'acknowledged' ELSE excluded.state END,
       body = CASE WHEN alerts.state = 'acknowledged' AND excluded.state = 'firing'
         THEN jsonb_set(excluded.body::jsonb, '{acknowledgedAt}', alerts.body::jsonb -> 'acknowledgedAt')::text
         ELSE excluded.body END`,
    [
      items.map((x) => x.alert.id), items.map((x) => x.alert.project), items.map((x) => x.alert.ruleId),
      items.map((x) => x.alert.fingerprint), items.map((x) => x.alert.severity), items.map((x) => state(x.alert)),
      items.map((x) => x.tracked), items.map((x) => Math.round(x.alert.activeAt)), items.map((x) => Math.round(x.alert.stateSince)),
      items.map((x) => JSON.stringify(x.alert)),
    ],
  );
}

async function deleteAlerts(change: Change, ids: readonly string[]): Promise<void> {
  if (ids.length > 0) await change('DELETE FROM alerts WHERE id = ANY($1::text[])', [ids]);
}

async function saveGroups(change: Change, upserts: readonly GroupState[], deletes: readonly string[]): Promise<void> {
  if (deletes.length > 0) await change('DELETE FROM alert_groups WHERE key = ANY($1::text[])', [deletes]);
  const groups = lastById(upserts, (g) => g.key);
  if (groups.length === 0) return;
  await change(
    `INSERT INTO alert_groups (key, body) SELECT * FROM unnest($1::text[], $2::text[])
     ON CONFLICT (key) DO UPDATE SET body = excluded.body`,
    [groups.map((g) => g.key), groups.map((g) => JSON.stringify(g))],
  );
}
