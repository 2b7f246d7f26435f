import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../http/errors.js';
import type { AppDeps } from '../http/types.js';
import { StoreUnavailableError, type EventStore } from '../store/types.js';
import type { OpsParts } from './parts.js';

/**
 * Writes a consistent copy of the store to `file` (through `<file>.partial`, renamed when complete, so a file
 * at `file` is always a whole backup). Refuses to overwrite.
 */
export async function backupStore(store: EventStore, file: string): Promise<{ bytes: number }> {
  if (!store.backup) throw new HttpError(501, 'not_supported', `the ${store.dialect} store has no online backup; use its own tools`);
  if (await stat(file).then(() => true, () => false)) throw new HttpError(409, 'conflict', `out: ${file} exists; choose another name`);
  await mkdir(dirname(file), { recursive: true });
  const partial = `${file}.partial`;
  await rm(partial, { force: true });
  try {
    await store.backup(partial);
    await rename(partial, file);
  } catch (err) {
    // DuckDB writes the copy through a log of its own (`<partial>.wal`), left behind when the copy fails.
    await Promise.all([rm(partial, { force: true }), rm(`${partial}.wal`, { force: true })]);
    throw backupFailed(err, dirname(file));
  }
  return { bytes: (await stat(file)).size };
}

/** Out of space: 507 saying so. Any other failure of the copy is the server's trouble: 503 with its first line. */
function backupFailed(err: unknown, dir: string): unknown {
  if (err instanceof HttpError || err instanceof StoreUnavailableError) return err;
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
  if (/No space left on device|ENOSPC|Disk quota exceeded|EDQUOT/i.test(message)) {
    return new HttpError(507, 'insufficient_storage', `the backup could not be written: no space left on device (${dir})`);
  }
  return new HttpError(503, 'backup_failed', `the backup could not be written: ${message}`, { 'retry-after': '60' });
}

/**
 * `POST /api/backup` (admin): what `pulse backup` calls while the server holds the store file. The copy is made
 * in `<data dir>/backups/`, streamed back as the answer, and deleted once sent — the client keeps it where it
 * wants it (another disk, another machine). One backup at a time.
 */
export function registerBackupRoutes(app: FastifyInstance, deps: AppDeps & { ops: OpsParts }): void {
  let running = false;
  app.post('/api/backup', { config: { scope: 'admin', everyProject: true } }, async (_request, reply) => {
    if (running) throw new HttpError(409, 'conflict', 'a backup is already running');
    if (deps.config.dataDir === ':memory:') throw new HttpError(400, 'invalid_request', 'an in-memory store has nothing to back up');
    running = true;
    const startedAt = deps.clock.now();
    const name = `pulse-${new Date(startedAt).toISOString().replace(/[:.]/g, '-')}.duckdb`;
    const file = join(deps.config.dataDir, 'backups', name);
    try {
      const { bytes } = await backupStore(deps.store, file);
      deps.ops.lastBackup = { at: startedAt, file: name, bytes };
      const stream = createReadStream(file);
      stream.once('close', () => void rm(file, { force: true }));
      return reply
        .type('application/vnd.duckdb')
        .header('content-disposition', `attachment; filename="${name}"`)
        .header('content-length', String(bytes))
        .header('x-backup-started-at', new Date(startedAt).toISOString())
        .send(stream);
    } catch (err) {
      await rm(file, { force: true });
      throw err;
    } finally {
      running = false;
    }
  });
}
