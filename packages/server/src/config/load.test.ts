import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertSafeBinding, ConfigError, loadConfig, parseList, redactConfig, sizeBytes } from './load.js';

const dir = (): string => mkdtempSync(join(tmpdir(), 'pulse-config-'));

describe('loadConfig', () => {
  it('applies the contract defaults', () => {
    const cwd = dir();
    const c = loadConfig({ env: {}, cwd });
    expect(c).toMatchObject({ enabled: true, host: '127.0.0.1', port: 8000, apiKey: null, retentionDays: 30, store: 'duckdb', logLevel: 'info', websocketCompression: false, duckdbMemoryLimit: '128MB' });
    expect(c.dataDir).toBe(join(cwd, 'data'));
  });

  it('takes DuckDB\'s thread count from PULSE_DUCKDB_THREADS, else leaves it to the store', () => {
    expect(loadConfig({ env: {}, cwd: dir() }).duckdbThreads).toBeNull();
    expect(loadConfig({ env: { PULSE_DUCKDB_THREADS: '4' }, cwd: dir() }).duckdbThreads).toBe(4);
    expect(() => loadConfig({ env: { PULSE_DUCKDB_THREADS: '0' }, cwd: dir() })).toThrow(/PULSE_DUCKDB_THREADS/);
    expect(() => loadConfig({ env: { PULSE_DUCKDB_THREADS: 'many' }, cwd: dir() })).toThrow(/PULSE_DUCKDB_THREADS/);
    expect(() => loadConfig({ env: { PULSE_DUCKDB_THREADS: '2.5' }, cwd: dir() })).toThrow(/PULSE_DUCKDB_THREADS/);
  });

  it('keeps coarser rollups at least as long as finer rows: defaults follow, contrary settings are refused', () => {
    const days = (env: Record<string, string>) => {
      const c = loadConfig({ env, cwd: dir() });
      return [c.retentionDays, c.rollupRetentionDays, c.dailyRetentionDays];
    };
    expect(days({})).toEqual([30, 400, 1095]);
    expect(days({ METRICS_RETENTION_DAYS: '90' })).toEqual([90, 400, 1095]);
    expect(days({ METRICS_RETENTION_DAYS: '500' })).toEqual([500, 500, 1095]);
    expect(days({ PULSE_ROLLUP_RETENTION_DAYS: '2000' })).toEqual([30, 2000, 2000]);
    expect(days({ METRICS_RETENTION_DAYS: '7', PULSE_ROLLUP_RETENTION_DAYS: '7', PULSE_DAILY_RETENTION_DAYS: '7' })).toEqual([7, 7, 7]);
    expect(() => days({ PULSE_ROLLUP_RETENTION_DAYS: '1' })).toThrow('PULSE_ROLLUP_RETENTION_DAYS (1) must be at least METRICS_RETENTION_DAYS (30)');
    expect(() => days({ PULSE_DAILY_RETENTION_DAYS: '3' })).toThrow('PULSE_DAILY_RETENTION_DAYS (3) must be at least PULSE_ROLLUP_RETENTION_DAYS (400)');
    expect(() => days({ METRICS_RETENTION_DAYS: '90', PULSE_ROLLUP_RETENTION_DAYS: '100', PULSE_DAILY_RETENTION_DAYS: '95' })).toThrow(/PULSE_DAILY_RETENTION_DAYS \(95\)/);
  });

  it('gives DuckDB\'s pool 64 MB more while loading unless told otherwise, never less than its limit', () => {
    expect(loadConfig({ env: {}, cwd: dir() }).duckdbLoadMemoryLimit).toBe('192MB');
    expect(loadConfig({ env: { PULSE_DUCKDB_MEMORY_LIMIT: '1GB' }, cwd: dir() }).duckdbLoadMemoryLimit).toBe('1064MB');
    expect(loadConfig({ env: { PULSE_DUCKDB_MEMORY_LIMIT: '512MiB' }, cwd: dir() }).duckdbLoadMemoryLimit).toBe('601MB');
    expect(loadConfig({ env: { PULSE_DUCKDB_LOAD_MEMORY_LIMIT: '128MB' }, cwd: dir() }).duckdbLoadMemoryLimit).toBe('128MB');
    expect(() => loadConfig({ env: { PULSE_DUCKDB_LOAD_MEMORY_LIMIT: '100MB' }, cwd: dir() })).toThrow(/PULSE_DUCKDB_LOAD_MEMORY_LIMIT must be at least PULSE_DUCKDB_MEMORY_LIMIT/);
    expect(() => loadConfig({ env: { PULSE_DUCKDB_LOAD_MEMORY_LIMIT: 'lots' }, cwd: dir() })).toThrow(/PULSE_DUCKDB_LOAD_MEMORY_LIMIT must be a size/);
    expect(sizeBytes('1.5 GB')).toBe(1.5e9);
    expect(sizeBytes('2KiB')).toBe(2048);
    expect(() => sizeBytes('12 parsecs')).toThrow(ConfigError);
  });

  it('reads the export limits (MB as MiB, 0 turns one off) and names a bad one', () => {
    expect(loadConfig({ env: {}, cwd: dir() }).limits).toMatchObject({ exportMaxPending: 3, exportMaxStorageBytes: 10_240 * 1048576, exportMinFreeBytes: 1024 * 1048576 });
    expect(loadConfig({ env: { PULSE_EXPORT_MAX_PENDING: '0', PULSE_EXPORT_MAX_STORAGE_MB: '500', PULSE_EXPORT_MIN_FREE_MB: '0' }, cwd: dir() }).limits)
      .toMatchObject({ exportMaxPending: 0, exportMaxStorageBytes: 500 * 1048576, exportMinFreeBytes: 0 });
    expect(() => loadConfig({ env: { PULSE_EXPORT_MAX_PENDING: '-1' }, cwd: dir() })).toThrow('PULSE_EXPORT_MAX_PENDING must be an integer in 0..10000');
    expect(() => loadConfig({ env: { PULSE_EXPORT_MAX_STORAGE_MB: '1GB' }, cwd: dir() })).toThrow(/PULSE_EXPORT_MAX_STORAGE_MB/);
    expect(() => loadConfig({ env: { PULSE_EXPORT_MIN_FREE_MB: '2.5' }, cwd: dir() })).toThrow(/PULSE_EXPORT_MIN_FREE_MB/);
  });

  it('reads the seeds\' variable names, JSON-array CORS origins and .env (real env wins)', () => {
    const cwd = dir();
    writeFileSync(join(cwd, '.env'), 'ANALYTICS_PORT=9001\nMETRICS_RETENTION_DAYS=7\n');
    const c = loadConfig({ env: { ANALYTICS_PORT: '9002', ANALYTICS_CORS_ORIGINS: '["http://localhost:3000"]', ALERT_EMAIL_RECIPIENTS: 'a@x.io, b@x.io' }, cwd });
    expect(c.port).toBe(9002);
    expect(c.retentionDays).toBe(7);
    expect(c.corsOrigins).toEqual(['http://localhost:3000']);
    expect(c.alerts.emailRecipients).toEqual(['a@x.io', 'b@x.io']);
  });

  it('PULSE_STORE=clickhouse needs PULSE_CLICKHOUSE_URL and PULSE_POSTGRES_URL, and names the one missing', () => {
    const ch = 'http://pulse:ch-secret@127.0.0.1:8123/pulse_prod';
    const pg = 'postgresql://pulse@127.0.0.1:5432/pulse';
    expect(() => loadConfig({ env: { PULSE_STORE: 'clickhouse', PULSE_POSTGRES_URL: pg }, cwd: dir() })).toThrow(/PULSE_CLICKHOUSE_URL/);
    expect(() => loadConfig({ env: { PULSE_STORE: 'clickhouse', PULSE_CLICKHOUSE_URL: ch }, cwd: dir() })).toThrow(/needs PULSE_POSTGRES_URL/);
    for (const bad of ['127.0.0.1:8123', 'tcp://h:9000', 'http://h:8123/pulse?x=1', 'http://u:ch-secret@h:8123/bad-name']) {
      let message = '';
      try {
        loadConfig({ env: { PULSE_STORE: 'clickhouse', PULSE_CLICKHOUSE_URL: bad, PULSE_POSTGRES_URL: pg }, cwd: dir() });
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        message = (err as Error).message;
      }
      expect(message, bad).toMatch(/^PULSE_CLICKHOUSE_URL /);
      expect(message).not.toContain('ch-secret');
    }
    const c = loadConfig({ env: { PULSE_STORE: 'clickhouse', PULSE_CLICKHOUSE_URL: ch, PULSE_POSTGRES_URL: pg }, cwd: dir() });
    expect(c).toMatchObject({ store: 'clickhouse', clickhouseUrl: ch, postgresUrl: pg });
    // Overrides are checked too (startPulse passes them).
    expect(() => loadConfig({ env: {}, cwd: dir(), overrides: { store: 'clickhouse', clickhouseUrl: ch } })).toThrow(/PULSE_POSTGRES_URL/);
    // The embedded store ignores the URLs.
    expect(loadConfig({ env: { PULSE_CLICKHOUSE_URL: 'not a url' }, cwd: dir() }).store).toBe('duckdb');
  });

  it('PULSE_CLICKHOUSE_SHARDS lists the shard servers, PULSE_CLICKHOUSE_URL\'s among them; each item checked by position', () => {
    const env = { PULSE_STORE: 'clickhouse', PULSE_CLICKHOUSE_URL: 'http://pulse:ch-secret@ch1:8123/pulse_prod', PULSE_POSTGRES_URL: 'postgresql://pulse@db/pulse' };
    const c = loadConfig({ env: { ...env, PULSE_CLICKHOUSE_SHARDS: ' http://ch1:8123, http://ch2:8123/ ', PULSE_CLICKHOUSE_CLUSTER: 'teams' }, cwd: dir() });
    expect([c.clickhouseShards, c.clickhouseCluster]).toEqual([['http://ch1:8123', 'http://ch2:8123'], 'teams']);
    expect(loadConfig({ env, cwd: dir() })).toMatchObject({ clickhouseShards: null, clickhouseCluster: 'pulse' });
    const cases: Array<[string, RegExp]> = [
      ['http://ch2:8123,http://ch3:8123', /must include the server of PULSE_CLICKHOUSE_URL/],
      ['http://ch1:8123', /at least two servers/],
      ['http://ch1:8123,ch2:8123', /^PULSE_CLICKHOUSE_SHARDS item 2 must be an http/],
      ['http://ch1:8123,http://u:ch-secret@ch2:8123', /^PULSE_CLICKHOUSE_SHARDS item 2 must be http\(s\):\/\/host:port only/],
      ['http://ch1:8123,http://ch2:8123/other', /^PULSE_CLICKHOUSE_SHARDS item 2 must be http\(s\):\/\/host:port only/],
      ['http://ch1:8123,http://ch1:8123', /item 2 repeats http:\/\/ch1:8123/],
    ];
    for (const [shards, expected] of cases) {
      let message = '';
      try {
        loadConfig({ env: { ...env, PULSE_CLICKHOUSE_SHARDS: shards }, cwd: dir() });
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        message = (err as Error).message;
      }
      expect(message, shards).toMatch(expected);
      expect(message).not.toContain('ch-secret');
    }
    expect(() => loadConfig({ env: { ...env, PULSE_CLICKHOUSE_CLUSTER: 'a-b' }, cwd: dir() })).toThrow(/PULSE_CLICKHOUSE_CLUSTER must be an identifier/);
  });

  it('names the bad variable', () => {
    expect(() => loadConfig({ env: { ANALYTICS_PORT: 'eighty' }, cwd: dir() })).toThrow(/ANALYTICS_PORT/);
    expect(() => loadConfig({ env: { ANALYTICS_ENABLED: 'maybe' }, cwd: dir() })).toThrow(/ANALYTICS_ENABLED/);
    expect(() => loadConfig({ env: { PULSE_STORE: 'mysql' }, cwd: dir() })).toThrow(/PULSE_STORE/);
    expect(() => loadConfig({ env: { PULSE_POSTGRES_POOL_SIZE: '0' }, cwd: dir() })).toThrow(/PULSE_POSTGRES_POOL_SIZE must be an integer in 1\.\.1000/);
    expect(() => loadConfig({ env: { PULSE_POSTGRES_SCHEMA: 'pulse; drop' }, cwd: dir() })).toThrow(/PULSE_POSTGRES_SCHEMA/);
    expect(() => loadConfig({ env: { ANALYTICS_CORS_ORIGINS: '[1,2]' }, cwd: dir() })).toThrow(ConfigError);
  });

  it('PULSE_STORE as other variables (trimmed, empty is the default); PULSE_RULES from the YAML env too; a .env that cannot be read is a configuration error', () => {
    expect(loadConfig({ env: { PULSE_STORE: ' duckdb ' }, cwd: dir() }).store).toBe('duckdb');
    expect(loadConfig({ env: { PULSE_STORE: '' }, cwd: dir() }).store).toBe('duckdb');
    const cwd = dir();
    writeFileSync(join(cwd, 'pulse.yaml'), 'env:\n  PULSE_RULES: rules.yml\n');
    expect(loadConfig({ env: { PULSE_CONFIG: 'pulse.yaml' }, cwd }).alerts.rulesFile).toBe('rules.yml');
    const broken = dir();
    mkdirSync(join(broken, '.env'));
    expect(() => loadConfig({ env: {}, cwd: broken })).toThrow(ConfigError);
    expect(() => loadConfig({ env: {}, cwd: broken })).toThrow(/^\.env: cannot read .*EISDIR/);
  });

  it('reads pricing overrides and projects from the YAML file and names a bad path', () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'pulse.yaml'), 'env:\n  analytics_port: 8100\npricing:\n  - pattern: "^my-model"\n    input_per_mtok: 1\n    output_per_mtok: 2\nprojects:\n  - name: bot\n    store_text: true\n');
    const c = loadConfig({ env: { PULSE_CONFIG: 'pulse.yaml' }, cwd });
    expect(c.port).toBe(8100);
    expect(c.pricing).toEqual([{ pattern: '^my-model', input_per_mtok: 1, output_per_mtok: 2 }]);
    expect(c.projects).toEqual([{ name: 'bot', store_text: true }]);
    writeFileSync(join(cwd, 'bad.yaml'), 'pricing:\n  - pattern: "("\n    input_per_mtok: 1\n    output_per_mtok: 2\n');
    expect(() => loadConfig({ env: { PULSE_CONFIG: 'bad.yaml' }, cwd })).toThrow(/pricing\.0\.pattern/);
  });

  it('reads scheduled reports with their defaults and names a bad one', () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'r.yaml'), 'reports:\n  - name: daily-ops\n    schedule: daily\n    at: "08:30"\n    timezone: Europe/Berlin\n    notify: [ops, "cto@example.com"]\n  - name: weekly\n    schedule: weekly\n    notify: [ops]\n');
    const c = loadConfig({ env: { PULSE_CONFIG: 'r.yaml' }, cwd });
    expect(c.reports).toEqual([
      { name: 'daily-ops', schedule: 'daily', at: '08:30', timezone: 'Europe/Berlin', day: 'monday', notify: ['ops', 'cto@example.com'], project: 'default' },
      { name: 'weekly', schedule: 'weekly', at: '09:00', timezone: 'UTC', day: 'monday', notify: ['ops'], project: 'default' },
    ]);
    const bad = (yaml: string, expected: RegExp) => {
      writeFileSync(join(cwd, 'bad.yaml'), yaml);
      expect(() => loadConfig({ env: { PULSE_CONFIG: 'bad.yaml' }, cwd })).toThrow(expected);
    };
    bad('reports:\n  - name: a\n    schedule: hourly\n    notify: [x]\n', /reports\.0\.schedule/);
    bad('reports:\n  - name: a\n    schedule: daily\n    at: "25:00"\n    notify: [x]\n', /reports\.0\.at: must be HH:MM/);
    bad('reports:\n  - name: a\n    schedule: daily\n    timezone: Mars/Olympus\n    notify: [x]\n', /reports\.0\.timezone: is not an IANA time zone/);
    bad('reports:\n  - name: a\n    schedule: daily\n    notify: []\n', /reports\.0\.notify/);
    bad('reports:\n  - name: a\n    schedule: daily\n    notify: [x]\n  - name: a\n    schedule: weekly\n    notify: [x]\n', /reports\.1\.name: duplicate report name/);
  });

  it('refuses a non-loopback bind without an admin key', () => {
    const c = loadConfig({ env: { ANALYTICS_HOST: '0.0.0.0' }, cwd: dir() });
    expect(() => assertSafeBinding(c)).toThrow(/ANALYTICS_API_KEY/);
    expect(() => assertSafeBinding({ ...c, apiKey: 'k' })).not.toThrow();
  });

  it('counts only loopback addresses as loopback, not host names that start like one', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1']) {
      expect(() => assertSafeBinding(loadConfig({ env: { ANALYTICS_HOST: host }, cwd: dir() })), host).not.toThrow();
    }
    for (const host of ['127.0.0.1.nip.io', '127.evil.example', '0.0.0.0', '::', '10.0.0.5']) {
      expect(() => assertSafeBinding(loadConfig({ env: { ANALYTICS_HOST: host }, cwd: dir() })), host).toThrow(/ANALYTICS_API_KEY/);
    }
  });

  it('a list variable that is not a list names the variable', () => {
    expect(() => loadConfig({ env: { ALERT_EMAIL_RECIPIENTS: '["ops@x.io",' }, cwd: dir() })).toThrow(/^ALERT_EMAIL_RECIPIENTS: expected a JSON array/);
    expect(() => loadConfig({ env: { ALERT_EMAIL_RECIPIENTS: '[1]' }, cwd: dir() })).toThrow(/^ALERT_EMAIL_RECIPIENTS: /);
  });

  it('redacts secrets', () => {
    const c = loadConfig({ env: { ANALYTICS_API_KEY: 'sekret-123', ALERT_EMAIL_PASSWORD: 'pw-456', PULSE_POSTGRES_URL: 'postgres://u:pw-789@h/db' }, cwd: dir() });
    const s = JSON.stringify(redactConfig(c));
    expect(s).not.toMatch(/sekret-123|pw-456|pw-789/);
    expect(s).toContain('[redacted]');
  });

  it('redacts webhook URLs in reports and routes, and a YAML error does not quote the file', () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'p.yaml'), [
      'routes:',
      '  - severity: critical',
      '    channels: [oncall, "https://hooks.slack.com/services/T0/B0/route-token-1"]',
      'reports:',
      '  - name: daily',
      '    schedule: daily',
      '    notify: [ops, "https://discord.com/api/webhooks/1/report-token-2", " http://bad url/report-token-3", "a@example.com"]',
      '',
    ].join('\n'));
    const r = redactConfig(loadConfig({ env: { PULSE_CONFIG: 'p.yaml' }, cwd }));
    expect(JSON.stringify(r)).not.toMatch(/token-\d/);
    expect((r.reports as { notify: string[] }[])[0]!.notify).toEqual(['ops', '[redacted]', '[redacted]', 'a@example.com']);
    expect((r.alerts as { routes: unknown[] }).routes).toEqual([{ severity: 'critical', channels: ['oncall', '[redacted]'] }]);

    writeFileSync(join(cwd, 'broken.yaml'), 'alerts:\n  channels:\n    x: { url: "https://hooks.example.com/secret-token-4" \n  - oops\n');
    let message = '';
    try {
      loadConfig({ env: { PULSE_CONFIG: 'broken.yaml' }, cwd });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^PULSE_CONFIG \S*broken\.yaml: not valid YAML \(line \d+\): \S/);
    expect(message).not.toContain('secret-token-4');
    expect(message).not.toContain('\n');
  });

  it('reads the PostgreSQL settings and redacts a password given as a URL parameter too', () => {
    const c = loadConfig({ env: { PULSE_POSTGRES_URL: 'postgresql://h:5432/db?user=pulse&password=pw-321&sslmode=require', PULSE_POSTGRES_POOL_SIZE: '25', PULSE_POSTGRES_SCHEMA: 'pulse_meta' }, cwd: dir() });
    expect([c.postgresPoolSize, c.postgresSchema]).toEqual([25, 'pulse_meta']);
    expect(redactConfig(c).postgresUrl).toBe('postgresql://h:5432/db?user=pulse&password=[redacted]&sslmode=require');
    const d = loadConfig({ env: {}, cwd: dir() });
    expect([d.postgresUrl, d.postgresPoolSize, d.postgresSchema]).toEqual([null, 10, 'public']);
  });

  it('parseList accepts both forms', () => {
    expect(parseList('a, b,,c')).toEqual(['a', 'b', 'c']);
    expect(parseList('["x","y"]')).toEqual(['x', 'y']);
  });
});
