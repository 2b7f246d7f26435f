import type { EventColumns } from './columns.js';
import { MEANINGFUL_CHARS, SENTIMENT_BAND } from '../query/measures.js';
import { PARTIALS } from './definition.js';

/**
 * The partials of one event added into a row, in straight-line code: the JavaScript twin of `PartialDef.row` (the
 * SQL) merged by `PartialDef.kind`, for rows built in memory as batches commit (accumulator.ts). One function with
 * no per-partial calls, because it runs for every ingested event. accumulator.test.ts checks that it writes the
 * same rows as the SQL path, column by column.
 */
export type PartialRow = (number | null)[];

const ORDER = [
  'n', 'n_error', 'n_ok', 'input_tokens', 'output_tokens', 'cost_usd', 'duration_n', 'duration_sum', 'ttft_n', 'ttft_sum',
  'timed_output_tokens', 'timed_duration', 'sentiment_n', 'sentiment_sum', 'positive_n', 'neutral_n', 'negative_n',
  'value_n', 'value_sum', 'value_max', 'value_last', 'value_last_ts', 'value_first', 'value_first_ts', 'ts_min', 'ts_max',
  'session_n', 'meaningful_n', 'text_n', 'text_length_sum', 'questions', 'emojis', 'mentions',
] as const;
if (PARTIALS.map((p) => p.column).join() !== ORDER.join()) throw new Error('event-partials.ts does not follow PARTIALS');

/** DuckDB compares the FLOAT sentiment column with the band in FLOAT: so does this. */
const BAND = Math.fround(SENTIMENT_BAND);

/** A row with nothing added yet. */
export function emptyPartials(): PartialRow {
  return new Array<number | null>(ORDER.length).fill(null);
}

const sum = (v: PartialRow, k: number, x: number | null): void => {
  if (x !== null) v[k] = (v[k] ?? 0) + x;
};
const count = (v: PartialRow, k: number, yes: boolean): void => {
  v[k] = (v[k] ?? 0) + (yes ? 1 : 0);
};

export function addEventPartials(v: PartialRow, c: EventColumns, i: number): void {
  const status = c.status[i];
  const ts = c.ts[i]!;
  const out = c.output_tokens[i] ?? null;
  const d = c.duration_ms[i] ?? null;
  const t = c.ttft_ms[i] ?? null;
  const s = c.sentiment[i] ?? null;
  const value = c.value[i] ?? null;
  const length = c.text_length[i] ?? null;
  count(v, 0, true);
  count(v, 1, status === 'error');
  count(v, 2, status === 'ok');
  sum(v, 3, c.input_tokens[i] ?? null);
  sum(v, 4, out);
  sum(v, 5, c.cost_usd[i] ?? null);
  count(v, 6, d !== null);
  sum(v, 7, d);
  count(v, 8, t !== null);
  sum(v, 9, t);
  const timed = d !== null && d > 0 && out !== null;
  sum(v, 10, timed ? out : null);
  sum(v, 11, timed ? d : null);
  count(v, 12, s !== null);
  sum(v, 13, s);
  count(v, 14, s !== null && s > BAND);
  count(v, 15, s !== null && s >= -BAND && s <= BAND);
  count(v, 16, s !== null && s < -BAND);
  count(v, 17, value !== null);
  sum(v, 18, value);
  if (value !== null) {
    if (v[19] === null || value > v[19]!) v[19] = value;
    if (v[21] === null || ts > v[21]!) {
      v[20] = value;
      v[21] = ts;
    }
    if (v[23] === null || ts < v[23]!) {
      v[22] = value;
      v[23] = ts;
    }
  }
  if (v[24] === null || ts < v[24]!) v[24] = ts;
  if (v[25] === null || ts > v[25]!) v[25] = ts;
  count(v, 26, c.session_id[i] !== null);
  count(v, 27, status === 'ok' && length !== null && length >= MEANINGFUL_CHARS);
  count(v, 28, length !== null);
  sum(v, 29, length);
  sum(v, 30, c.questions[i] ?? null);
  sum(v, 31, c.emojis[i] ?? null);
  sum(v, 32, c.mentions[i] ?? null);
}

/** The minute grain's partials (`n`, `n_error`, `n_ok`). */
export function addMinutePartials(v: PartialRow, c: EventColumns, i: number): void {
  const status = c.status[i];
  count(v, 0, true);
  count(v, 1, status === 'error');
  count(v, 2, status === 'ok');
}
