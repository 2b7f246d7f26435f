import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeArchive } from './archive-file.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pulse-archive-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeArchive', () => {
  it('the archive appears under its name only once written whole', async () => {
    const path = join(dir, 'events-before-x.parquet');
    const rows = await writeArchive(path, async (tmp) => {
      await writeFile(tmp, 'half');
      expect(existsSync(path)).toBe(false); // a reader's glob sees nothing while it is written
      await writeFile(tmp, 'whole');
      return 7;
    });
    expect(rows).toBe(7);
    expect(await readFile(path, 'utf8')).toBe('whole');
    expect(await readdir(dir)).toEqual(['events-before-x.parquet']);
  });

  it('a failed write leaves nothing and fails', async () => {
    const path = join(dir, 'a.parquet');
    await expect(writeArchive(path, async (tmp) => {
      await writeFile(tmp, 'torn');
      throw new Error('disk full');
    })).rejects.toThrow('disk full');
    expect(await readdir(dir)).toEqual([]);
  });

  it('no rows: no file', async () => {
    expect(await writeArchive(join(dir, 'a.parquet'), async (tmp) => {
      await writeFile(tmp, 'header only');
      return 0;
    })).toBe(0);
    expect(await readdir(dir)).toEqual([]);
  });

  it('never overwrites an archive already there, and replaces a partial file a crashed run left', async () => {
    const path = join(dir, 'a.parquet');
    await writeFile(path, 'earlier archive');
    await writeFile(`${path}.partial`, 'left by a crash');
    await expect(writeArchive(path, async (tmp) => {
      expect(existsSync(tmp)).toBe(false);
      await writeFile(tmp, 'new');
      return 1;
    })).rejects.toThrow(/EEXIST/);
    expect(await readFile(path, 'utf8')).toBe('earlier archive');
    expect(await readdir(dir)).toEqual(['a.parquet']);
  });
});
