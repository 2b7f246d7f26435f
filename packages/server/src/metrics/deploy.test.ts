import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { findSeed002, readSeed002, repoRoot } from './test-support/seed-002.js';

const PROM_DIR = join(repoRoot, 'deploy', 'prometheus');
const GRAFANA_DIR = join(repoRoot, 'deploy', 'grafana');
const hasPromtool = !spawnSync('promtool', ['--version']).error;
const seedPath = findSeed002();
const seed = seedPath ? readSeed002(seedPath) : null;

function promtool(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync('promtool', args, { encoding: 'utf8', cwd: PROM_DIR });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function needs(ctx: { skip: () => void }, what: 'promtool' | 'seed'): void {
  if (what === 'promtool' && !hasPromtool) {
    console.log('skipped: promtool is not on PATH (Debian: apt-get install prometheus)');
    ctx.skip();
  }
  if (what === 'seed' && !seed) {
    console.log('skipped: seed 002 (../shared/seeds/002_*.txt) is not beside the repository');
    ctx.skip();
  }
}

interface RuleTest { eval_time: string; alertname: string; exp_alerts: unknown[] }

describe('deploy/prometheus', () => {
  const rules = (parseYaml(readFileSync(join(PROM_DIR, 'alerts.yml'), 'utf8')) as { groups: { interval: string; rules: Record<string, unknown>[] }[] }).groups;

  it('alerts.yml holds seed 002\'s seven rules exactly as the seed writes them', (ctx) => {
    needs(ctx, 'seed');
    expect(rules).toHaveLength(1);
    expect(rules[0]!.interval).toBe('30s');
    expect(rules[0]!.rules).toEqual(seed!.rules);
  });

  it('passes promtool check rules', (ctx) => {
    needs(ctx, 'promtool');
    const r = promtool('check', 'rules', 'alerts.yml');
    expect(r.out).toContain('SUCCESS: 7 rules found');
    expect(r.status).toBe(0);
  });

  it('has a promtool rule test in which every rule fires and every rule stays silent somewhere, and it passes', (ctx) => {
    needs(ctx, 'promtool');
    const tests = (parseYaml(readFileSync(join(PROM_DIR, 'alerts.test.yml'), 'utf8')) as { tests: { alert_rule_test: RuleTest[] }[] }).tests;
    const cases = tests.flatMap((t) => t.alert_rule_test);
    for (const rule of rules[0]!.rules) {
      const mine = cases.filter((c) => c.alertname === rule.alert);
      expect(mine.some((c) => c.exp_alerts.length > 0), `${rule.alert as string} fires`).toBe(true);
      expect(mine.some((c) => c.exp_alerts.length === 0), `${rule.alert as string} stays silent`).toBe(true);
    }
    const r = promtool('test', 'rules', 'alerts.test.yml');
    expect(r.out).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it('the rule test checks every rule\'s `for`: with it removed, each rule fires where the test expects silence', (ctx) => {
    needs(ctx, 'promtool');
    const dir = mkdtempSync(join(tmpdir(), 'pulse-rules-'));
    try {
      writeFileSync(join(dir, 'alerts.yml'), readFileSync(join(PROM_DIR, 'alerts.yml'), 'utf8').replace(/^(\s+)for: \S+$/gm, '$1for: 0s'));
      writeFileSync(join(dir, 'alerts.test.yml'), readFileSync(join(PROM_DIR, 'alerts.test.yml'), 'utf8'));
      const r = spawnSync('promtool', ['test', 'rules', 'alerts.test.yml'], { encoding: 'utf8', cwd: dir });
      const failed = new Set([...`${r.stdout}${r.stderr}`.matchAll(/alertname: (\w+), time:/g)].map((m) => m[1]));
      expect([...failed].sort()).toEqual(rules[0]!.rules.map((x) => x.alert as string).sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prometheus.yml keeps seed 002\'s layout, adds the Pulse job, and is valid', (ctx) => {
    const cfg = parseYaml(readFileSync(join(PROM_DIR, 'prometheus.yml'), 'utf8')) as {
      global: Record<string, unknown>; scrape_configs: { job_name: string; honor_labels?: boolean; static_configs: { labels: { service: string } }[] }[]; rule_files: string[];
    };
    expect(cfg.global).toMatchObject({ scrape_interval: '15s', evaluation_interval: '15s', external_labels: { cluster: 'production', environment: 'prod' } });
    expect(cfg.scrape_configs.map((j) => j.job_name)).toEqual(['api', 'bot', 'worker', 'pulse']);
    for (const j of cfg.scrape_configs) expect(j.static_configs[0]!.labels.service).toBe(j.job_name);
    expect(cfg.scrape_configs.find((j) => j.job_name === 'pulse')!.honor_labels).toBe(true);
    expect(cfg.rule_files).toEqual(['alerts.yml']);
    needs(ctx, 'promtool');
    const r = promtool('check', 'config', '--syntax-only', 'prometheus.yml');
    expect(r.status, r.out).toBe(0);
  });
});

interface Panel {
  id: number; type: string; title: string; datasource: { type: string; uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets: { refId: string; expr: string; legendFormat?: string; datasource: { uid: string } }[];
  fieldConfig: { defaults: { unit: string; thresholds: { steps: { color: string; value: number | null }[] } } };
}
interface Dashboard { uid: string; title: string; schemaVersion: number; templating: { list: { name: string; type: string; query: unknown; allValue?: string }[] }; panels: Panel[] }

const dashboards = readdirSync(GRAFANA_DIR).filter((f) => f.endsWith('.json')).map((f) => ({ file: f, d: JSON.parse(readFileSync(join(GRAFANA_DIR, f), 'utf8')) as Dashboard }));
/** Grafana's mapping of seed 002's panel types to current panel plugins. */
const SEED_TYPE: Record<string, string> = { stat: 'stat', gauge: 'gauge', graph: 'timeseries', bar: 'bargauge' };
/** Variables as Grafana interpolates them for the query: the `All` value of a multi-value variable. */
const interpolate = (expr: string, d: Dashboard): string =>
  expr.replace(/\$(\w+)/g, (_, name: string) => d.templating.list.find((v) => v.name === name)?.allValue ?? `$${name}`);

describe('deploy/grafana', () => {
  it('has seed 002\'s three dashboards and an LLM dashboard', () => {
    expect(dashboards.map((x) => x.d.title).sort()).toEqual(['Business KPIs', 'LLM', 'Queue Monitoring', 'Service Overview']);
  });

  it.each(dashboards)('$file is import-ready: current schema, a Prometheus datasource variable, sane panels', ({ d }) => {
    expect(d.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(d.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    expect(d.templating.list[0]).toMatchObject({ name: 'datasource', type: 'datasource', query: 'prometheus' });
    expect(new Set(d.panels.map((p) => p.id)).size).toBe(d.panels.length);
    const cells = new Set<string>();
    for (const p of d.panels) {
      expect(['stat', 'gauge', 'timeseries', 'bargauge']).toContain(p.type);
      expect(p.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      // No two panels overlap on the grid.
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          expect(cells.has(`${x},${y}`), `${p.title} overlaps at ${x},${y}`).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
      expect(p.fieldConfig.defaults.unit, p.title).toBeTruthy();
      expect(p.fieldConfig.defaults.thresholds.steps[0]!.value).toBeNull();
      expect(p.targets.length).toBeGreaterThan(0);
      for (const t of p.targets) {
        expect(t.refId).toMatch(/^[A-Z]$/);
        expect(t.expr).toBeTruthy();
        expect(t.datasource.uid).toBe('${datasource}');
      }
    }
  });

  it('the seed\'s dashboards carry its panels, queries, legends and thresholds', (ctx) => {
    needs(ctx, 'seed');
    for (const sd of seed!.dashboards) {
      const mine = dashboards.find((x) => x.d.title === sd.title)!.d;
      expect(mine.panels.map((p) => p.title)).toEqual(sd.panels.map((p) => p.title));
      for (const sp of sd.panels) {
        const p = mine.panels.find((x) => x.title === sp.title)!;
        expect(p.type, sp.title).toBe(SEED_TYPE[sp.type]);
        expect(p.targets.map((t) => ({ expr: t.expr, ...(t.legendFormat ? { legendFormat: t.legendFormat } : {}) }))).toEqual(sp.targets);
        if (sp.thresholds) {
          const steps = p.fieldConfig.defaults.thresholds.steps;
          // The seed lists thresholds from the top; Grafana's steps go up from a base (value null).
          const expected = [...sp.thresholds].sort((a, b) => a.value - b.value).map((s, i) => ({ color: s.color, value: i === 0 ? null : s.value }));
          expect(steps).toEqual(expected);
        }
      }
    }
  });

  it('the LLM error ratio reads 0 while no call has failed (no error series yet), not "No data"', (ctx) => {
    needs(ctx, 'promtool');
    const llm = dashboards.find((x) => x.file === 'llm.json')!.d;
    const expr = interpolate(llm.panels.find((p) => p.title === 'Error ratio')!.targets[0]!.expr, llm);
    const dir = mkdtempSync(join(tmpdir(), 'pulse-grafana-'));
    try {
      writeFileSync(join(dir, 'none.yml'), toYaml({ groups: [] }));
      const calls = (status: string, values: string) => ({ series: `llm_requests_total{project="default",service="bot",model="gpt-4o-mini",provider="openai",status="${status}"}`, values });
      writeFileSync(join(dir, 'test.yml'), toYaml({
        rule_files: ['none.yml'],
        evaluation_interval: '1m',
        tests: [
          // Pulse makes a status="error" series at the first failed call: until then there is none.
          { interval: '1m', input_series: [calls('ok', '0+60x10')], promql_expr_test: [{ expr, eval_time: '5m', exp_samples: [{ labels: '{}', value: 0 }] }] },
          { interval: '1m', input_series: [calls('ok', '0+57x10'), calls('error', '0+3x10')], promql_expr_test: [{ expr, eval_time: '5m', exp_samples: [{ labels: '{}', value: 0.05 }] }] },
        ],
      }));
      const r = spawnSync('promtool', ['test', 'rules', 'test.yml'], { encoding: 'utf8', cwd: dir });
      expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('every query parses (promtool check rules on each as a recording rule)', (ctx) => {
    needs(ctx, 'promtool');
    const exprs = dashboards.flatMap(({ d }) => d.panels.flatMap((p) => p.targets.map((t) => interpolate(t.expr, d))));
    expect(exprs.every((e) => !e.includes('$'))).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'pulse-grafana-'));
    try {
      const file = join(dir, 'queries.yml');
      writeFileSync(file, toYaml({ groups: [{ name: 'dashboards', rules: exprs.map((expr, i) => ({ record: `dashboard:query_${i}`, expr })) }] }));
      const r = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
      expect(`${r.stdout}${r.stderr}`).toContain(`SUCCESS: ${exprs.length} rules found`);
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
