import type { StoredEvent } from '@pulse/protocol';

/**
 * A committed batch read into one array per field the rollups use, as the store holds the values: 32-bit float
 * columns (durations, sentiment, phase values) rounded with Math.fround, timestamps to whole milliseconds, absent
 * optional fields as null. Read once per batch — validated events do not share one hidden class, so per-event field
 * reads in the hot loop would be megamorphic — and every partial then reads plain arrays.
 */
export const ROLLUP_FIELDS = [
  'project', 'ts', 'type', 'name', 'service', 'environment', 'persona', 'model', 'provider', 'status', 'error_type',
  'prompt_id', 'input_tokens', 'output_tokens', 'cost_usd', 'duration_ms', 'ttft_ms', 'sentiment', 'value',
  'session_id', 'text_length', 'questions', 'emojis', 'mentions', 'phases',
] as const;
export type RollupField = (typeof ROLLUP_FIELDS)[number];
export type EventColumns = { [K in RollupField]: Array<Exclude<StoredEvent[K], undefined> | null> };

const FLOAT32: ReadonlySet<string> = new Set(['duration_ms', 'ttft_ms', 'sentiment']);

/**
 * Columns already read from the batch (the embedded store reads them to fill its chunks), normalised in place: ts
 * to whole ms, 32-bit float fields rounded as the store rounds them.
 */
export function fromPlucked(plucked: Record<string, unknown[]>): EventColumns {
  for (const field of ROLLUP_FIELDS) {
    const column = plucked[field];
    if (column === undefined) throw new Error(`rollup columns: ${field} was not read`);
    const as = field === 'ts' ? Math.round : FLOAT32.has(field) ? Math.fround : null;
    if (as === null) continue;
    // In place: the arrays were read for this batch alone (fillEventChunk), and its chunk is already written.
    for (let i = 0; i < column.length; i++) if (column[i] !== null) column[i] = as(column[i] as number);
  }
  return plucked as unknown as EventColumns;
}
