import { statfs } from 'node:fs/promises';

/**
 * What export jobs may take (docs/operations.md#limits); 0 turns a limit off.
 * - `maxPending` (`PULSE_EXPORT_MAX_PENDING`): a project's jobs queued or running at once; beyond, a new one is refused.
 * - `maxStorageBytes` (`PULSE_EXPORT_MAX_STORAGE_MB`): a project's kept export files on this instance's disk; when a
 *   job finishes over it, the project's oldest finished files are removed; a file alone over it fails its job.
 * - `minFreeBytes` (`PULSE_EXPORT_MIN_FREE_MB`): free space the export directory's disk must have for a job to be
 *   created or started, so an export never takes the last of the disk the store writes to.
 */
export interface ExportLimits {
  maxPending: number;
  maxStorageBytes: number;
  minFreeBytes: number;
}

export const NO_EXPORT_LIMITS: ExportLimits = { maxPending: 0, maxStorageBytes: 0, minFreeBytes: 0 };

/** Seconds a client refused for too many pending jobs is told to wait (`Retry-After`). */
export const PENDING_RETRY_AFTER_SECONDS = 30;
/** Seconds a client refused for want of disk space is told to wait (`Retry-After`). */
export const DISK_RETRY_AFTER_SECONDS = 60;

const MIB = 1024 * 1024;

/** A project has `maxPending` jobs queued or running: the route answers 429 with `Retry-After`. */
export class ExportLimitError extends Error {
  override readonly name = 'ExportLimitError';
  readonly retryAfterSeconds = PENDING_RETRY_AFTER_SECONDS;
  constructor(project: string, pending: number, max: number) {
    super(`project ${project} has ${pending} export jobs queued or running, the most PULSE_EXPORT_MAX_PENDING (${max}) allows; retry once one has finished`);
  }
}

/** The export directory's disk has less than `minFreeBytes` free: the route answers 503 with `Retry-After`. */
export class ExportDiskSpaceError extends Error {
  override readonly name = 'ExportDiskSpaceError';
  readonly retryAfterSeconds = DISK_RETRY_AFTER_SECONDS;
  constructor(freeBytes: number, minFreeBytes: number) {
    super(`only ${Math.floor(freeBytes / MIB)} MB free on the disk of the export directory; exports need PULSE_EXPORT_MIN_FREE_MB (${minFreeBytes / MIB} MB) free to start`);
  }
}

/** The `error` of a finished job whose file was removed to keep its project within `maxStorageBytes`. */
export const evictedMessage = (project: string, maxStorageBytes: number): string =>
  `file removed: project ${project}'s export files are kept within PULSE_EXPORT_MAX_STORAGE_MB (${maxStorageBytes} bytes), oldest first; run the export again`;

/** The `error` of a job whose file alone is over `maxStorageBytes`. */
export const tooLargeMessage = (bytes: number, maxStorageBytes: number): string =>
  `the export is ${bytes} bytes, more than PULSE_EXPORT_MAX_STORAGE_MB allows a project's export files (${maxStorageBytes} bytes); narrow the range or filters, or use format=summary`;

/** Bytes an unprivileged writer may still use on the file system of `path`; null when it cannot be told. */
export async function freeBytesOf(path: string): Promise<number | null> {
  try {
    const s = await statfs(path);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return null;
  }
}
