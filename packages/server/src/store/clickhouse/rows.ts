import type { StoredEvent } from '@pulse/protocol';

/** The `events` columns an append writes, in DDL order (schema.ts); `ingested` is the server's DEFAULT now(). */
export const INSERT_COLUMNS = [
  'project', 'ts', 'batch', 'id', 'type', 'name', 'service', 'environment', 'user_id', 'session_id', 'persona', 'channel',
  'guild', 'prompt_id', 'model', 'provider', 'input_tokens', 'output_tokens', 'cost_usd', 'duration_ms', 'ttft_ms',
  'status', 'error_type', 'error_message', 'severity', 'value', 'target', 'text', 'sentiment', 'phase_names',
  'phase_values', 'attr_keys', 'attr_values', 'text_length', 'questions', 'emojis', 'mentions', 'topic',
] as const;

/** StoredEvent fields copied as they are (scalars; absent optional ones become null). */
const SCALARS = INSERT_COLUMNS.filter(
  (c) => !['project', 'ts', 'batch', 'phase_names', 'phase_values', 'attr_keys', 'attr_values'].includes(c),
) as Array<keyof StoredEvent>;

export type InsertRow = Record<(typeof INSERT_COLUMNS)[number], unknown>;

/** One JSONEachRow object per event; the maps become parallel key/value arrays. */
export function toInsertRow(event: StoredEvent, batch: string): InsertRow {
  const row: Record<string, unknown> = { project: event.project, ts: event.ts, batch };
  for (const column of SCALARS) row[column] = event[column] ?? null;
  const phases = event.phases ?? {};
  row.phase_names = Object.keys(phases);
  row.phase_values = Object.values(phases);
  const attributes = event.attributes ?? {};
  row.attr_keys = Object.keys(attributes);
  row.attr_values = Object.values(attributes);
  return row as InsertRow;
}

/** The exported columns of an event, in the DuckDB store's export order: every stored field, nothing internal. */
export const EXPORT_COLUMNS = [
  'project', 'ts', 'id', 'type', 'name', 'service', 'environment', 'user_id', 'session_id', 'persona', 'channel', 'guild',
  'prompt_id', 'model', 'provider', 'input_tokens', 'output_tokens', 'cost_usd', 'duration_ms', 'ttft_ms', 'status',
  'error_type', 'error_message', 'severity', 'value', 'target', 'text', 'sentiment', 'phases', 'attributes',
  'text_length', 'questions', 'emojis', 'mentions', 'topic',
] as const;

/** SELECT list reading an event back: the maps rebuilt from their arrays on the client side (toExportRow). */
export const EXPORT_SELECT = EXPORT_COLUMNS.map((c) =>
  c === 'phases' ? 'phase_names, phase_values' : c === 'attributes' ? 'attr_keys, attr_values' : c,
).join(', ');

function zip<T>(keys: readonly string[], values: readonly T[]): Record<string, T> | null {
  if (keys.length === 0) return null;
  const out: Record<string, T> = {};
  keys.forEach((k, i) => (out[k] = values[i]!));
  return out;
}

/** A row of EXPORT_SELECT as an event object (ts still epoch ms; maps as objects, null when empty). */
export function toExportRow(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of EXPORT_COLUMNS) {
    if (c === 'phases') out.phases = zip(raw.phase_names as string[], raw.phase_values as number[]);
    else if (c === 'attributes') out.attributes = zip(raw.attr_keys as string[], raw.attr_values as string[]);
    else out[c] = raw[c] ?? null;
  }
  return out;
}
