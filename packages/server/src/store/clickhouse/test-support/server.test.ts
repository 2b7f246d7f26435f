import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clickhouseMissing, repoRoot, startClickHouse } from './server.js';

const missing = clickhouseMissing();
if (missing !== null) console.warn(`skipping ClickHouse tests: ${missing}`);

describe.skipIf(missing !== null)('scripts/clickhouse.sh', () => {
  it('starts a server on loopback that answers SQL, as an unprivileged user, and stops it', async () => {
    const server = startClickHouse();
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${server.url}/?query=${encodeURIComponent('SELECT version(), 40 + 2')}`);
      const [version, answer] = (await res.text()).trim().split('\t');
      expect(version).toMatch(/^\d+\.\d+/);
      expect(answer).toBe('42');
      const pid = execFileSync('cat', [join(server.dir, 'clickhouse.pid')], { encoding: 'utf8' }).trim();
      const user = execFileSync('ps', ['-o', 'user=', '-p', pid], { encoding: 'utf8' }).trim();
      expect(user).not.toBe('root');
      // Data lives in the directory it was given.
      expect(existsSync(join(server.dir, 'data', 'metadata'))).toBe(true);
    } finally {
      server.stop();
    }
    const status = spawnSync(join(repoRoot, 'scripts', 'clickhouse.sh'), ['status', server.dir], { encoding: 'utf8' });
    expect(status.status).toBe(1);
    await expect(fetch(server.url)).rejects.toThrow();
  });
});
