import { mkdir, open, readFile, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** One undelivered batch on disk; its name carries the idempotency key and the event count. */
export interface SpoolEntry {
  path: string;
  key: string;
  count: number;
  bytes: number;
}

const SUFFIX = '.json.gz';
const NAME = /^(\d{15})_(\d{6})_(\d+)_([A-Za-z0-9.-]{1,80})\.json\.gz$/;

/**
 * The on-disk spool: a file per undelivered batch, holding exactly the gzip body that would be POSTed.
 * A file is written once (temp file, fsync, rename, fsync of the directory — so after a crash it either
 * exists whole or not at all) and deleted once the server has answered for it, so no file is ever
 * rewritten and nothing needs compaction. The batch keeps its Idempotency-Key across restarts: a batch
 * the server stored just before the host died is not stored twice when it is sent again.
 */
export class Spool {
  private seq = 0;
  private totalBytes = 0;
  private totalEvents = 0;
  private files = 0;

  constructor(
    readonly dir: string,
    private readonly maxBytes: number,
  ) {}

  get bytes(): number {
    return this.totalBytes;
  }
  get events(): number {
    return this.totalEvents;
  }
  get fileCount(): number {
    return this.files;
  }

  /** Creates the directory, removes torn temp files, and returns the spooled batches oldest first. */
  async init(): Promise<SpoolEntry[]> {
    await mkdir(this.dir, { recursive: true });
    const names = (await readdir(this.dir)).sort();
    const entries: SpoolEntry[] = [];
    for (const name of names) {
      const path = join(this.dir, name);
      if (name.endsWith('.tmp')) {
        await unlink(path).catch(() => {});
        continue;
      }
      const m = NAME.exec(name);
      if (!m) continue;
      const bytes = (await stat(path)).size;
      entries.push({ path, key: m[4] ?? '', count: Number(m[3]), bytes });
      this.account(bytes, Number(m[3]), 1);
    }
    return entries;
  }

  /** Persists a batch durably; null when the spool is full (the caller drops and counts it). */
  async write(key: string, count: number, body: Buffer): Promise<SpoolEntry | null> {
    if (this.totalBytes + body.length > this.maxBytes) return null;
    this.account(body.length, count, 1);
    const name = `${String(Date.now()).padStart(15, '0')}_${String(this.seq++ % 1e6).padStart(6, '0')}_${count}_${key}${SUFFIX}`;
    const path = join(this.dir, name);
    const tmp = `${path}.tmp`;
    try {
      const fh = await open(tmp, 'w');
      try {
        await fh.writeFile(body);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, path);
      await this.syncDir();
    } catch (err) {
      this.account(-body.length, -count, -1);
      await unlink(tmp).catch(() => {});
      throw err;
    }
    return { path, key, count, bytes: body.length };
  }

  read(entry: SpoolEntry): Promise<Buffer> {
    return readFile(entry.path);
  }

  async remove(entry: SpoolEntry): Promise<void> {
    try {
      await unlink(entry.path);
      this.account(-entry.bytes, -entry.count, -1);
    } catch (err) {
      // Another instance sharing the directory may have delivered and removed it first.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      this.account(-entry.bytes, -entry.count, -1);
    }
  }

  private account(bytes: number, events: number, files: number): void {
    this.totalBytes += bytes;
    this.totalEvents += events;
    this.files += files;
  }

  private async syncDir(): Promise<void> {
    const dh = await open(this.dir, 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  }
}
