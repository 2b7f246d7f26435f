import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { EventInput } from '@pulse/protocol';
import type { SpoolEntry } from './spool.js';

const gunzipAsync = promisify(gunzip);

/** One request's worth of events, with the key every attempt of it is sent with. */
export interface Batch {
  key: string;
  count: number;
  /** Push number of its oldest event (for `flush()`); 0 for a batch spooled by an earlier process. */
  minSeq: number;
  /** Absent for a batch read back from the spool until a 413 or a 207 needs them. */
  events?: EventInput[];
  /** The gzip body; the same bytes on every retry. */
  body?: Buffer;
  /** Set once the batch is on disk. */
  spool?: SpoolEntry;
}

export async function batchEvents(batch: Batch): Promise<EventInput[]> {
  if (batch.events) return batch.events;
  if (!batch.body) return [];
  const parsed = JSON.parse((await gunzipAsync(batch.body)).toString('utf8')) as { events?: EventInput[] };
  batch.events = parsed.events ?? [];
  return batch.events;
}

/**
 * Halves of a batch the server found too large. Their keys derive from the parent's, so if the parent
 * is replayed from the spool after a crash, it splits into the same keys and nothing is stored twice.
 */
export function splitBatch(batch: Batch, events: EventInput[]): [Batch, Batch] {
  const mid = Math.ceil(events.length / 2);
  const left = events.slice(0, mid);
  const right = events.slice(mid);
  return [
    { key: `${batch.key}.0`, count: left.length, minSeq: batch.minSeq, events: left },
    { key: `${batch.key}.1`, count: right.length, minSeq: batch.minSeq, events: right },
  ];
}
