import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, redactConfig } from '../config/load.js';

const cwd = (): string => mkdtempSync(join(tmpdir(), 'pulse-metrics-config-'));

describe('the /metrics settings', () => {
  it('default to no scrape key, 2000 series per family and the KPI families on', () => {
    expect(loadConfig({ env: {}, cwd: cwd() }).metrics).toEqual({ key: null, maxSeriesPerFamily: 2000, kpi: true });
  });

  it('read PULSE_METRICS_KEY, PULSE_METRICS_MAX_SERIES and PULSE_METRICS_KPI, and name a bad one', () => {
    const c = loadConfig({ env: { PULSE_METRICS_KEY: 'scrape-me', PULSE_METRICS_MAX_SERIES: '500', PULSE_METRICS_KPI: 'false' }, cwd: cwd() });
    expect(c.metrics).toEqual({ key: 'scrape-me', maxSeriesPerFamily: 500, kpi: false });
    expect(() => loadConfig({ env: { PULSE_METRICS_MAX_SERIES: '0' }, cwd: cwd() })).toThrow(/PULSE_METRICS_MAX_SERIES/);
    expect(() => loadConfig({ env: { PULSE_METRICS_KPI: 'sometimes' }, cwd: cwd() })).toThrow(/PULSE_METRICS_KPI/);
  });

  it('never shows the scrape key in the redacted configuration', () => {
    const shown = JSON.stringify(redactConfig(loadConfig({ env: { PULSE_METRICS_KEY: 'scrape-me' }, cwd: cwd() })));
    expect(shown).not.toContain('scrape-me');
  });
});
