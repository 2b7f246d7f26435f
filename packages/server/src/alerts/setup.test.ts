import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.js';
import { staticRules } from './setup.js';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pulse-static-rules-'));
  writeFileSync(join(dir, 'pulse.yaml'), 'alerts:\n  - { name: High latency, condition: "p95_duration_ms > 2000" }\n');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('staticRules', () => {
  it('PULSE_CONFIG and PULSE_RULES naming one file read it once (every rule was "defined twice" and the start failed)', () => {
    symlinkSync(join(dir, 'pulse.yaml'), join(dir, 'rules.yaml'));
    for (const rulesFile of ['pulse.yaml', join(dir, 'pulse.yaml'), './pulse.yaml', 'rules.yaml']) {
      const config = loadConfig({ cwd: dir, env: { PULSE_CONFIG: 'pulse.yaml', PULSE_RULES: rulesFile } });
      expect(staticRules(config, dir).map((r) => r.id), rulesFile).toEqual(['file:high-latency']);
    }
  });

  it('the same rule in two different files is still refused', () => {
    writeFileSync(join(dir, 'rules.yaml'), 'alerts:\n  - { name: High latency, condition: "p95_duration_ms > 3000" }\n');
    const config = loadConfig({ cwd: dir, env: { PULSE_CONFIG: 'pulse.yaml', PULSE_RULES: 'rules.yaml' } });
    expect(() => staticRules(config, dir)).toThrow(/"High latency" is defined twice/);
  });
});
