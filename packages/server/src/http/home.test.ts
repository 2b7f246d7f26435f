import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestPulse } from '../test-support/pulse.js';
import { DEFAULT_DASHBOARD_DIR } from './home.js';

type Pulse = Awaited<ReturnType<typeof startTestPulse>>;

const INDEX = '<!doctype html><title>Pulse</title><script type="module" src="./assets/index-Ab12Cd34.js"></script>';
const JS = 'console.log("dashboard");'.repeat(40);

describe('dashboard serving', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pulse-dash-'));
  let built: Pulse;
  let missing: Pulse;

  beforeAll(async () => {
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), INDEX);
    writeFileSync(join(dir, 'assets', 'index-Ab12Cd34.js'), JS);
    writeFileSync(join(dir, 'assets', 'index-Ab12Cd34.js.gz'), gzipSync(JS));
    built = await startTestPulse({ dashboardDir: dir });
    missing = await startTestPulse({ dashboardDir: join(dir, 'nope') });
  });

  afterAll(async () => {
    await built?.dispose();
    await missing?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the default location is packages/dashboard/dist, found from the server package', () => {
    expect(DEFAULT_DASHBOARD_DIR.replaceAll('\\', '/')).toMatch(/\/packages\/dashboard\/dist\/$/);
  });

  test('index.html at /, /analytics and /analytics/, never cached', async () => {
    for (const path of ['/', '/analytics', '/analytics/']) {
      const res = await fetch(built.url + path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toBe(INDEX);
    }
  });

  test('hashed assets under both prefixes, cached for a year, precompressed when accepted', async () => {
    for (const prefix of ['/assets/', '/analytics/assets/']) {
      const res = await fetch(`${built.url}${prefix}index-Ab12Cd34.js`, { headers: { 'accept-encoding': 'identity' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(res.headers.get('content-type')).toMatch(/^(application|text)\/javascript/);
      expect(await res.text()).toBe(JS);
    }
    const gz = await fetch(`${built.url}/assets/index-Ab12Cd34.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(await gz.text()).toBe(JS); // fetch decompresses
    expect((await fetch(`${built.url}/assets/nope.js`)).status).toBe(404);
    expect((await fetch(`${built.url}/assets/../index.html`)).status).not.toBe(200);
  });

  test('/health is unchanged', async () => {
    const res = await fetch(`${built.url}/health`);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['status', 'timestamp', 'uptime_seconds']);
    expect(body.status).toBe('ok');
  });

  test('without a build, / says so and how to build it', async () => {
    for (const path of ['/', '/analytics']) {
      const res = await fetch(missing.url + path);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('dashboard is not built');
      expect(html).toContain('npm run build');
    }
    expect((await fetch(`${missing.url}/assets/index-Ab12Cd34.js`)).status).toBe(404);
  });
});
