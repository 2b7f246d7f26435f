/**
 * Versioned migrations of the PostgreSQL meta store (migrate.ts runs them). Each runs once, in order, in the
 * transaction that holds the migration lock; `pulse_migrations` records what ran. Never edit a released migration:
 * add one. Times are timestamptz where an operator reads them (keys, projects, jobs, runs) and epoch-ms bigint where
 * the DuckDB tables keep them so (alerts, deliveries), so both backends answer the same.
 */
export interface PgMigration {
  version: number;
  name: string;
  sql: readonly string[];
}

/** The channel revocations are announced on (meta-store.ts listens; the trigger below notifies). */
export const KEYS_CHANNEL = 'pulse_keys';

/**
 * The channel other changes are announced on: `<table> <instance>` once per statement that changed projects, alert
 * rules, silences, alerts or notification groups (`<instance>` is the writer's `pulse.instance` setting, empty for
 * anyone else), so every instance reloads what it caches (cluster/pg-changes.ts).
 */
export const CHANGES_CHANNEL = 'pulse_changes';

/** The channel instances share committed events on for the live views (cluster/pg-live-feed.ts); no trigger. */
export const LIVE_CHANNEL = 'pulse_live';

/** Tables whose changes are announced on CHANGES_CHANNEL. */
export const ANNOUNCED_TABLES = ['projects', 'alert_rules', 'alert_silences', 'alerts', 'alert_groups'] as const;
export type AnnouncedTable = (typeof ANNOUNCED_TABLES)[number];

export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: 'projects and API keys, revocations announced',
    sql: [
      `CREATE TABLE projects (
        name text PRIMARY KEY,
        created_at timestamptz NOT NULL,
        store_text boolean NOT NULL DEFAULT false
      )`,
      `CREATE TABLE api_keys (
        id text PRIMARY KEY,
        project text NOT NULL,
        scope text NOT NULL CHECK (scope IN ('ingest', 'read', 'admin')),
        name text,
        prefix text NOT NULL,
        hash text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL,
        revoked_at timestamptz
      )`,
      'CREATE INDEX api_keys_project ON api_keys (project, created_at)',
      // Every instance caches keys for a few seconds; a revocation (or a row deleted by hand) must reach them all at
      // once. NOTIFY is delivered at commit, so no instance hears of a change that was rolled back.
      `CREATE FUNCTION pulse_keys_notify() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        PERFORM pg_notify('${KEYS_CHANNEL}', COALESCE(OLD.id, NEW.id));
        RETURN NULL;
      END
      $fn$`,
      `CREATE TRIGGER api_keys_changed AFTER UPDATE OR DELETE ON api_keys
        FOR EACH ROW EXECUTE FUNCTION pulse_keys_notify()`,
    ],
  },
  {
    version: 2,
    name: 'export jobs and report runs',
    sql: [
      `CREATE TABLE export_jobs (
        id text PRIMARY KEY,
        project text NOT NULL,
        export_type text NOT NULL,
        format text NOT NULL,
        status text NOT NULL,
        spec text NOT NULL,
        created_at timestamptz NOT NULL,
        started_at timestamptz,
        finished_at timestamptz,
        rows bigint,
        bytes bigint,
        error text
      )`,
      'CREATE INDEX export_jobs_project ON export_jobs (project, created_at)',
      `CREATE INDEX export_jobs_unfinished ON export_jobs (created_at) WHERE status IN ('queued', 'running')`,
      `CREATE TABLE report_runs (
        name text NOT NULL,
        period_start timestamptz NOT NULL,
        period_end timestamptz NOT NULL,
        status text NOT NULL,
        claimed_at timestamptz NOT NULL,
        finished_at timestamptz,
        detail text,
        PRIMARY KEY (name, period_start)
      )`,
    ],
  },
  {
    version: 3,
    name: 'alert rules, alerts, groups, silences, deliveries',
    sql: [
      `CREATE TABLE alert_rules (id text PRIMARY KEY, project text NOT NULL, body text NOT NULL,
        created_at bigint NOT NULL, updated_at bigint NOT NULL)`,
      `CREATE TABLE alerts (id text PRIMARY KEY, project text NOT NULL, rule_id text NOT NULL,
        fingerprint text NOT NULL, severity text NOT NULL, state text NOT NULL, tracked boolean NOT NULL,
        active_at bigint NOT NULL, updated_at bigint NOT NULL, body text NOT NULL)`,
      'CREATE INDEX alerts_project_updated ON alerts (project, updated_at)',
      'CREATE INDEX alerts_tracked ON alerts (id) WHERE tracked',
      'CREATE TABLE alert_groups (key text PRIMARY KEY, body text NOT NULL)',
      `CREATE TABLE alert_silences (id text PRIMARY KEY, project text NOT NULL, ends_at bigint NOT NULL,
        body text NOT NULL)`,
      `CREATE TABLE alert_deliveries (id text PRIMARY KEY, project text NOT NULL, group_key text NOT NULL,
        status text NOT NULL, alert_ids text[] NOT NULL, channel text NOT NULL, channel_type text NOT NULL,
        target text NOT NULL, attempt integer NOT NULL, outcome text NOT NULL, status_code integer, error text,
        duration_ms double precision NOT NULL, attempted_at bigint NOT NULL)`,
      'CREATE INDEX alert_deliveries_project_at ON alert_deliveries (project, attempted_at)',
      'CREATE INDEX alert_deliveries_alert_ids ON alert_deliveries USING gin (alert_ids)',
    ],
  },
  {
    version: 4,
    name: 'changes to projects and alerting announced to every instance',
    sql: [
      // Statement-level: one notification per statement, however many rows (PostgreSQL also folds identical
      // notifications of one transaction into one), delivered at commit.
      `CREATE FUNCTION pulse_changes_notify() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        PERFORM pg_notify('${CHANGES_CHANNEL}', TG_TABLE_NAME || ' ' || COALESCE(current_setting('pulse.instance', true), ''));
        RETURN NULL;
      END
      $fn$`,
      ...ANNOUNCED_TABLES.map((t) => `CREATE TRIGGER ${t}_announced AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${t}
        FOR EACH STATEMENT EXECUTE FUNCTION pulse_changes_notify()`),
    ],
  },
  {
    version: 5,
    name: 'export jobs name the instance that runs them',
    sql: [
      // Set from the writer's `pulse.instance`; a job whose instance has no live election session (`pulse-leader:<id>`
      // in pg_stat_activity) was left by an instance that died, and the leader runs it (export-jobs.ts `abandoned`).
      'ALTER TABLE export_jobs ADD COLUMN instance text',
    ],
  },
  {
    version: 6,
    name: 'idempotency claims shared by the instances',
    sql: [
      // One row per Idempotency-Key an attempt holds now (store/postgres/idempotency-claims.ts): taken by INSERT … ON
      // CONFLICT, deleted on release, renewed by its holder; a row whose lease has passed was left by a holder that died
      // and is taken over by the next attempt (or deleted by retention). The answers themselves are in the event store.
      // No index but the key: renewals change only lease_until (HOT updates), and the table holds only what is in flight.
      `CREATE TABLE idempotency_claims (
        project text NOT NULL,
        key text NOT NULL,
        token text NOT NULL,
        instance text NOT NULL,
        claimed_at timestamptz NOT NULL,
        lease_until timestamptz NOT NULL,
        PRIMARY KEY (project, key)
      )`,
    ],
  },
  {
    version: 7,
    name: 'alert notification outbox',
    sql: [
      // Each notification the alert engine produces, written in the transaction that saves the alert and group state
      // (alerts/store/alert-store.ts OutboxEntry) and deleted once every channel it targets has finished with it;
      // `done` names the channels that already have. The leader sends what is left again when it starts leading.
      `CREATE TABLE alert_outbox (id text PRIMARY KEY, created_at bigint NOT NULL, position integer NOT NULL,
        group_key text NOT NULL, status text NOT NULL, notification text NOT NULL, done text[] NOT NULL)`,
    ],
  },
];
