import { link, open, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * A retention archive written whole or not at all, and on disk before the events it holds are deleted: `write` fills
 * `<path>.partial`, which is flushed (fsync), linked to `path` and removed, and the directory is flushed. After a crash
 * at any point `path` is absent or complete — never a torn file that would break a reader's `'archive/*.parquet'` glob,
 * and never an archive lost to a power cut after the store's delete committed. An existing `path` is not overwritten
 * (the run fails and deletes nothing). Returns the rows written; with none, no file is left.
 */
export async function writeArchive(path: string, write: (tmp: string) => Promise<number>): Promise<number> {
  const tmp = `${path}.partial`;
  await rm(tmp, { force: true }); // left by a run that crashed while writing
  try {
    const rows = await write(tmp);
    if (rows === 0) return 0;
    await syncPath(tmp);
    await link(tmp, path);
    await syncPath(dirname(path));
    return rows;
  } finally {
    await rm(tmp, { force: true });
  }
}

async function syncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
