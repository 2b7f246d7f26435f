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
  'session_n', 'meaningful_n', 'text_n', 'text_length_sum', 'questions', 'emojis', 'mentions', 'priced_tokens',
] as const;
if (PARTIALS.map((p) => p.column).join() !== ORDER.join()) throw new Error('event-partials.ts does not follow PARTIALS');

/** DuckDB compares the FLOAT sentiment column with the band in FLOAT: so does this. */
const BAND = Math.fround(SENTIMENT_BAND);

/**
 * A row being added to: one float per partial, NaN where the SQL has NULL (no value added yet). Doubles live unboxed
 * in a Float64Array, so adding an event allocates nothing (a `(number | null)[]` boxed every fractional sum).
 */
export type PartialAcc = Float64Array;

/** A row with nothing added yet. */
export function emptyPartials(): PartialAcc {
  return new Float64Array(ORDER.length).fill(NaN);
}

/** The row as the tables take it: NaN back to null. */
export function partialValues(v: PartialAcc): PartialRow {
  const out: PartialRow = new Array<number | null>(v.length);
  for (let k = 0; k < v.length; k++) {
    const x = v[k]!;
    out[k] = x === x ? x : null;
  }
  return out;
}

const sum = (v: PartialAcc, k: number, x: number | null): void => {
  if (x !== null) {
    const had = v[k]!;
    v[k] = had === had ? had + x : x;
  }
};
const count = (v: PartialAcc, k: number, yes: boolean): void => {
  const had = v[k]!;
  v[k] = (had === had ? had : 0) + (yes ? 1 : 0);
};
/** `x < v[k]` (or v[k] unset). */
const below = (v: PartialAcc, k: number, x: number): boolean => !(v[k]! <= x);
/** `x > v[k]` (or v[k] unset). */
const above = (v: PartialAcc, k: number, x: number): boolean => !(v[k]! >= x);

export function addEventPartials(v: PartialAcc, c: EventColumns, i: number): void {
  const status = c.status[i];
  const ts = c.ts[i]!;
  const out = c.output_tokens[i] ?? null;
  const d = c.duration_ms[i] ?? null;
  const t = c.ttft_ms[i] ?? null;
  const s = c.sentiment[i] ?? null;
  const value = c.value[i] ?? null;
  const length = c.text_length[i] ?? null;
  const cost = c.cost_usd[i] ?? null;
  count(v, 0, true);
  count(v, 1, status === 'error');
  count(v, 2, status === 'ok');
  sum(v, 3, c.input_tokens[i] ?? null);
  sum(v, 4, out);
  sum(v, 5, cost);
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
    if (above(v, 19, value)) v[19] = value;
    if (above(v, 21, ts)) {
      v[20] = value;
      v[21] = ts;
    }
    if (below(v, 23, ts)) {
      v[22] = value;
      v[23] = ts;
    }
  }
  if (below(v, 24, ts)) v[24] = ts;
  if (above(v, 25, ts)) v[25] = ts;
  count(v, 26, c.session_id[i] !== null);
  count(v, 27, status === 'ok' && length !== null && length >= MEANINGFUL_CHARS);
  count(v, 28, length !== null);
  sum(v, 29, length);
  sum(v, 30, c.questions[i] ?? null);
  sum(v, 31, c.emojis[i] ?? null);
  sum(v, 32, c.mentions[i] ?? null);
  sum(v, 33, cost === null ? null : (c.input_tokens[i] ?? 0) + (out ?? 0));
}
