import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const dir = mkdtempSync(join(tmpdir(), 'pulse-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function pulse(args: string[], env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', 'packages/server/src/cli/main.ts', ...args], { cwd: repo, env: { ...process.env, PULSE_CONFIG: '', PULSE_RULES: '', ...env } });
    return { ...r, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

describe('pulse check', () => {
  it('accepts a valid rules file and prints the count', async () => {
    const file = join(dir, 'good.yml');
    writeFileSync(file, 'alerts:\n  - name: a\n    condition: error_rate > 0.05\n  - name: b\n    kind: budget\n    budget_usd: 500\n');
    const r = await pulse(['check', '--rules', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ok: 2 alert rule(s)');
  });

  it('lists every error as file:line:column and exits non-zero', async () => {
    const file = join(dir, 'bad.yml');
    writeFileSync(file, 'alerts:\n  - name: a\n    condition: error_rate > 0.05\n    severity: urgent\n  - name: b\n    condition: nope\n  - name: c\n    condition: count > 1\n    notify: [ops@example.com, oncall]\n');
    const r = await pulse(['check', '--rules', file]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^${file.replaceAll('/', '\\/')}:4:15: alerts\\[0\\]\\.severity: must be one of`)),
      expect.stringMatching(/:6:16: alerts\[1\]\.condition: expected "<measure> <op> <number>"/),
      expect.stringMatching(/:9:31: alerts\[2\]\.notify\[1\]: "oncall" is not an e-mail address, a webhook URL or a configured channel/),
    ]);
    // With a channel of that name configured, the same rule passes.
    const ok = join(dir, 'ok.yml');
    writeFileSync(ok, 'alerts:\n  - name: c\n    condition: count > 1\n    notify: [ops@example.com, oncall]\n');
    const cfg = join(dir, 'channels.yaml');
    writeFileSync(cfg, 'channels:\n  oncall:\n    type: json\n    url: http://127.0.0.1:9/hook\n');
    const passed = await pulse(['check', '--rules', ok], { PULSE_CONFIG: cfg });
    expect(passed.stderr).toBe('');
    expect(passed.stdout).toContain('ok: 1 alert rule(s)');
  });

  it('without --rules checks the configuration and the rules of PULSE_CONFIG', async () => {
    const cfg = join(dir, 'pulse.yaml');
    writeFileSync(cfg, 'alerts:\n  - name: slow\n    condition: p95_duration_ms > 2000\n');
    const ok = await pulse(['check'], { PULSE_CONFIG: cfg, ALERT_ERROR_RATE_PERCENT: '5' });
    expect(ok.stdout).toContain('ok: 2 alert rule(s)');
    const bad = await pulse(['check'], { ALERT_ERROR_RATE_PERCENT: '500' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/ALERT_ERROR_RATE_PERCENT/);
  });

  it('checks the recipients of scheduled reports as those of rules', async () => {
    const cfg = join(dir, 'reports.yaml');
    const env = { PULSE_CONFIG: cfg, ALERT_WEBHOOK_URL: 'http://127.0.0.1:9/hook' };
    writeFileSync(cfg, 'reports:\n  - name: daily\n    schedule: daily\n    notify: [webhook, ops@example.com]\n');
    const ok = await pulse(['check'], env);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    writeFileSync(cfg, 'reports:\n  - name: daily\n    schedule: daily\n    notify: [webhook, slak]\n');
    const bad = await pulse(['check'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe(`${cfg}: reports[0] (daily): notify "slak" is not an e-mail address, a webhook URL or a configured channel (webhook)`);
  });
});
