import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, getJson } from '../test-support/pulse.js';
import { percentile, runAbuse } from './test-support/abuse.js';

/**
 * 200 concurrent clients (valid ingest, malformed and oversized bodies, bad keys, slowloris bodies) for 12 s
 * against a real `pulse serve` child process. The 60 s run with latency targets is benchmarks/operations.bench.ts.
 */
const ADMIN = 'abuse-admin-key';
const RSS_BOUND_MB = 600;

describe('abuse', () => {
  it('keeps answering: no 5xx for client mistakes, every acknowledged event stored, bounded memory, /health throughout', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'pulse-abuse-'));
    const repo = resolve(import.meta.dirname, '../../../..');
    const child = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/cli/main.ts', 'serve'], {
      cwd: repo,
      env: { ...process.env, PULSE_DATA_DIR: dir, ANALYTICS_PORT: String(port), ANALYTICS_API_KEY: ADMIN, LOG_LEVEL: 'silent', PULSE_RATE_LIMIT_INGEST: '0', PULSE_CONFIG: '' },
      stdio: 'ignore',
    });
    const url = `http://127.0.0.1:${port}`;
    const auth = { authorization: `Bearer ${ADMIN}` };
    try {
      let up = false;
      for (let i = 0; i < 150 && !up; i++) {
        up = (await fetch(`${url}/health`).catch(() => null))?.status === 200;
        if (!up) await new Promise((r) => setTimeout(r, 100));
      }
      expect(up).toBe(true);
      const report = await runAbuse({
        url, key: ADMIN, clients: 200, durationMs: 12_000,
        sample: async () => (await getJson(`${url}/api/debug/analytics`, auth)).json.memory.process.rss_mb as number,
      });
      const s = report.statuses;
      const fivexx = (kind: keyof typeof s) => Object.entries(s[kind]).filter(([k]) => k.startsWith('5'));
      // The clients' mistakes are 4xx (or a connection the server closed after its 413), never 5xx.
      for (const kind of ['malformed', 'oversized', 'unauthorized', 'slowloris'] as const) expect(fivexx(kind), `${kind}: ${JSON.stringify(s[kind])}`).toEqual([]);
      // 400 for a body that is not a batch; 207 naming each rejected event when the batch parses (none is stored).
      expect(Object.keys(s.malformed).every((k) => k === '400' || k === '207'), JSON.stringify(s.malformed)).toBe(true);
      expect(s.unauthorized).toEqual({ '401': expect.any(Number) });
      expect(Object.keys(s.oversized).every((k) => k === '413' || k === 'error'), JSON.stringify(s.oversized)).toBe(true);
      expect(s.valid['200']).toBeGreaterThan(100);
      // Slow bodies were still being dribbled when the run ended: the server kept them open without harm.
      expect(s.slowloris.slow).toBeGreaterThan(0);

      // Every acknowledged event is stored (per client: stored ≥ acknowledged, and = when no answer was unclear).
      const q = await getJson(`${url}/v1/query?measures=count&dimensions=service&limit=1000`, auth);
      const stored = new Map<string, number>(q.json.data.map((r: { service: string; count: number }) => [r.service, r.count]));
      for (const [service, n] of report.acked) {
        const got = stored.get(service) ?? 0;
        expect(got, service).toBeGreaterThanOrEqual(n);
        expect(got, service).toBeLessThanOrEqual(n + (report.unsure.get(service) ?? 0));
      }
      // /health answered every probe; memory stayed under the bound.
      expect(report.healthFailures).toBe(0);
      // Probed every 100 ms after the previous answer; how fast it answered is the bench's business (a shared CI
      // machine says little about latency), here it must answer each time. Under these 200 clients a probe takes
      // ~1.2 s on this 2-core machine when it runs alone (2026-12-03, HEAD and the previous stop's build alike) and
      // ~3 s when other test processes share it: at least 3 answered probes in the 12 s.
      expect(report.healthLatenciesMs.length).toBeGreaterThanOrEqual(3);
      expect(report.samples.length).toBeGreaterThanOrEqual(3); // one a second, each an admin request to the busy server
      expect(Math.max(...report.samples)).toBeLessThan(RSS_BOUND_MB);
      console.log(`abuse (CI): ${JSON.stringify(s)}; ${s.valid['200']} valid requests acked, /health p99 ${percentile(report.healthLatenciesMs, 99)?.toFixed(1)} ms max ${Math.max(...report.healthLatenciesMs).toFixed(1)} ms, RSS max ${Math.max(...report.samples)} MB`);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

