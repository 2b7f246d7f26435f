import type { EventColumns } from './columns.js';
import { addEventPartials, emptyPartials, partialValues, type PartialAcc } from './event-partials.js';
import {
  GRAIN_MS, GRAINS, partialDef, ROLLUP_DIMENSIONS, SKETCH_LN_GAMMA, SKETCHED_COLUMNS, ZERO_BIN,
  type Grain, type PartialDef, type PartialName,
} from './definition.js';

/**
 * Rolls committed batches up in memory, as they commit: the cheap way to keep rollups current. The SQL path
 * (store/duckdb/rollups.ts) aggregates events back out of the table; doing it here instead costs a few map updates
 * per event, in the process that already holds the event, instead of a second columnar scan and a hash aggregation
 * over ten string keys. Only the hourly and minute tables are built per event; daily rows and the narrower sketch
 * tables are derived from the hourly ones when the accumulator is drained.
 *
 * The accumulator covers a contiguous range of event `seq`s (`fromSeq`..`toSeq`): the store feeds it every batch it
 * commits, in commit order, and drains it — writing the rows and moving the watermark to `toSeq` in one transaction.
 */
export type KeyValue = string | number | null;

export interface TableRows {
  /** The rollup table the rows are for. */
  table: string;
  /** Key columns in table order after `project, ts` (dimensions, then `metric, bin` or `phase`). */
  keyColumns: readonly string[];
  /** Value columns in table order. */
  valueColumns: readonly string[];
  rows: ReadonlyArray<{ project: string; ts: number; key: readonly KeyValue[]; values: readonly (number | null)[] }>;
}

export interface Drained {
  fromSeq: number;
  toSeq: number;
  tables: TableRows[];
}

interface Slot {
  project: string;
  ts: number;
  key: KeyValue[];
  values: (number | null)[];
}

type Merge = (into: (number | null)[], from: readonly (number | null)[]) => void;

const HOUR = GRAIN_MS.hour;
const MINUTE = GRAIN_MS.minute;
const DAY = GRAIN_MS.day;
/** Between the parts of a row id that cannot hold it: project ids, bucket times, metric and phase names, bins. */
const SEP = '\u0001';

/**
 * The key values' part of a row id: each value length-prefixed (`~` for null), so no value can run into the next or
 * pass for null. (Joined with a separator, name 'a\u0001b' with model 'c' and name 'a' with model 'b\u0001c' were one
 * key, and a model '\u0000' was no model: their sketch and phase rows merged into one — event values are free text.)
 */
function keyId(key: readonly KeyValue[]): string {
  let id = '';
  for (const k of key) id += k === null ? '~' : `${String(k).length}:${k}`;
  return id;
}

const add = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : a + b);
const lesser = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.min(a, b));
const greater = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.max(a, b));

/** The merge of partial rows, as the SQL aggregates of `PartialDef.kind` merge them. */
function partialMerge(partials: readonly PartialDef[]): Merge {
  const index = new Map(partials.map((p, i) => [p.column, i]));
  const steps = partials.map((p, i): ((into: (number | null)[], from: readonly (number | null)[]) => void) => {
    const k = p.kind;
    if (k === 'sum') return (into, from) => { into[i] = add(into[i]!, from[i]!); };
    if (k === 'min') return (into, from) => { into[i] = lesser(into[i]!, from[i]!); };
    if (k === 'max') return (into, from) => { into[i] = greater(into[i]!, from[i]!); };
    // The value of the latest (earliest) contributing event: compare the key columns before they merge.
    const latest = 'argMax' in k;
    const by = index.get(latest ? k.argMax : k.argMin)!;
    return (into, from) => {
      const t = from[by]!;
      const cur = into[by]!;
      if (t !== null && (cur === null || (latest ? t > cur : t < cur))) into[i] = from[i]!;
    };
  });
  // Arg values first (they read the key columns as they were), then every other column.
  const order = partials.map((p, i) => [typeof p.kind === 'object' ? 0 : 1, i] as const).sort((a, b) => a[0] - b[0]).map(([, i]) => steps[i]!);
  return (into, from) => {
    for (const step of order) step(into, from);
  };
}

function bin(v: number): number {
  return v > 0 ? Math.ceil(Math.log(v) / SKETCH_LN_GAMMA) : ZERO_BIN;
}

class Rows {
  readonly slots = new Map<string, Slot>();
  constructor(private readonly merge: Merge) {}

  /** Merges `values` into the row `id` (a new row takes `key()` and a copy of `values`). */
  add(id: string, project: string, ts: number, key: () => KeyValue[], values: readonly (number | null)[]): void {
    const slot = this.slots.get(id);
    if (slot === undefined) this.slots.set(id, { project, ts, key: key(), values: [...values] });
    else this.merge(slot.values, values);
  }

  /** These rows re-keyed (coarser bucket, fewer key columns) and merged. */
  derive(bucket: number, keyIndexes: readonly number[]): Rows {
    const out = new Rows(this.merge);
    for (const s of this.slots.values()) {
      const ts = Math.floor(s.ts / bucket) * bucket;
      const key = keyIndexes.map((i) => s.key[i]!);
      out.add(`${s.project}${SEP}${ts}${SEP}${keyId(key)}`, s.project, ts, () => key, s.values);
    }
    return out;
  }
}

const DIMENSIONS: readonly string[] = ROLLUP_DIMENSIONS;
const FINE = GRAINS.find((g) => g.name === 'hour')!;
const COARSE = GRAINS.find((g) => g.name === 'day')!;
const MINUTE_GRAIN = GRAINS.find((g) => g.name === 'minute')!;
const HOUR_PARTIALS = FINE.partials.map((p) => partialDef(p));
const MINUTE_PARTIALS = MINUTE_GRAIN.partials.map((p) => partialDef(p));

type Trie = Map<unknown, unknown>;

function step(node: Trie, key: unknown): Trie {
  let next = node.get(key) as Trie | undefined;
  if (next === undefined) {
    next = new Map();
    node.set(key, next);
  }
  return next;
}

interface HourSlot {
  project: string;
  ts: number;
  key: KeyValue[];
  /** The partials added so far (event-partials.ts). */
  acc: PartialAcc;
  /** Minute → [events, errors, ok] of this row's events: the minute rows are summed from these at drain. */
  minutes: Map<number, [number, number, number]>;
  /** Sketch bins → counts, per SKETCHED_COLUMNS entry (null until the first value). */
  bins: Array<Map<number, number> | null>;
  /** Phase → [events, summed ms]. */
  phases: Map<string, [number, number]> | null;
}

/**
 * Rows are found through a trie of Maps keyed by the field values themselves (project, bucket, then each dimension):
 * the strings come from the parsed request and carry their hash, so a lookup costs a dozen short Map reads and no
 * allocation, where a concatenated key would cost a new 60-character string to build and hash per event.
 */
export class RollupAccumulator {
  private minuteCount = 0;
  private hourRoot: Trie = new Map();
  private hourSlots: HourSlot[] = [];
  private readonly mergeHour = partialMerge(HOUR_PARTIALS);
  private from: number;
  private to: number;
  private bins = 0;
  private phaseRows = 0;

  /** `nextSeq`: the seq of the first event it will be given. */
  constructor(nextSeq: number) {
    this.from = nextSeq;
    this.to = nextSeq - 1;
  }

  /** First seq held (or to be held). */
  get fromSeq(): number {
    return this.from;
  }

  /** Last seq held; `fromSeq - 1` when empty. */
  get toSeq(): number {
    return this.to;
  }

  /** Distinct rows held: the caller bounds memory by it. */
  get size(): number {
    return this.minuteCount + this.hourSlots.length + this.bins + this.phaseRows;
  }

  /** Estimated heap bytes of the rows held. */
  get bytes(): number {
    return this.hourSlots.length * BYTES.hour + this.minuteCount * BYTES.minute + this.bins * BYTES.bin + this.phaseRows * BYTES.phase;
  }

  /** A committed batch, as columns (rollups/columns.ts): `count` events numbered from `firstSeq`, in order. */
  addColumns(c: EventColumns, count: number, firstSeq: number): void {
    if (firstSeq !== this.to + 1) throw new Error(`rollup accumulator: batch starts at seq ${firstSeq}, expected ${this.to + 1}`);
    for (let i = 0; i < count; i++) this.addEvent(c, i);
    this.to = firstSeq + count - 1;
  }

  private addEvent(c: EventColumns, i: number): void {
    const p = c.project[i]!;
    const ts = c.ts[i]!;
    const type = c.type[i]!;
    const status = c.status[i]!;

    const hour = Math.floor(ts / HOUR) * HOUR;
    let n = step(step(step(this.hourRoot, p), hour), type);
    n = step(step(step(step(step(step(step(n, c.name[i]), c.service[i]), c.environment[i]), c.persona[i]), c.model[i]), c.provider[i]), status);
    n = step(n, c.error_type[i]);
    let slot = n.get(c.prompt_id[i]) as HourSlot | undefined;
    if (slot === undefined) {
      slot = {
        project: p, ts: hour, acc: emptyPartials(), minutes: new Map(), bins: SKETCHED_COLUMNS.map(() => null), phases: null,
        key: [type, c.name[i]!, c.service[i]!, c.environment[i]!, c.persona[i]!, c.model[i]!, c.provider[i]!, status, c.error_type[i]!, c.prompt_id[i]!],
      };
      n.set(c.prompt_id[i], slot);
      this.hourSlots.push(slot);
    }
    addEventPartials(slot.acc, c, i);
    // The minute grain's partials (`n`, `n_error`, `n_ok`), per minute of this row.
    const minute = Math.floor(ts / MINUTE) * MINUTE;
    let m = slot.minutes.get(minute);
    if (m === undefined) {
      m = [0, 0, 0];
      slot.minutes.set(minute, m);
      this.minuteCount++;
    }
    m[0]++;
    if (status === 'error') m[1]++;
    else if (status === 'ok') m[2]++;

    for (let m = 0; m < SKETCHED_COLUMNS.length; m++) {
      const v = c[SKETCHED_COLUMNS[m]!][i]!;
      if (v === null) continue;
      const b = bin(v);
      const bins = (slot.bins[m] ??= new Map());
      const had = bins.get(b);
      if (had === undefined) this.bins++;
      bins.set(b, (had ?? 0) + 1);
    }
    const phases = c.phases[i]!;
    if (phases !== null) {
      const into = (slot.phases ??= new Map());
      for (const phase in phases) {
        const ms = Math.fround(phases[phase]!);
        const had = into.get(phase);
        if (had === undefined) {
          into.set(phase, [1, ms]);
          this.phaseRows++;
        } else {
          had[0] += 1;
          had[1] += ms;
        }
      }
    }
  }

  /**
   * Every row held, per table, and an empty accumulator from here on: minute and hourly rows, the hourly sketch by
   * model (narrowed from the rows' sketches by all ten dimensions), hourly phases — and, for rows of days before
   * `daysUntil` (days already rolled into the daily tables: late events), their daily rows too. The rows are taken at
   * once; deriving the tables yields to the event loop between steps (`pause`), so a large drain never holds up
   * requests — batches committed meanwhile go to the emptied accumulator.
   */
  async drain(pause: () => Promise<void> = async () => undefined, daysUntil: number | null = null): Promise<Drained> {
    const hourSlots = this.hourSlots;
    const drained = { fromSeq: this.from, toSeq: this.to, tables: [] as TableRows[] };
    this.minuteCount = 0;
    this.hourRoot = new Map();
    this.hourSlots = [];
    this.bins = 0;
    this.phaseRows = 0;
    this.from = this.to + 1;
    await this.derive(hourSlots, drained.tables, pause, daysUntil ?? -Infinity);
    return drained;
  }

  private async derive(hourSlots: HourSlot[], tables: TableRows[], pause: () => Promise<void>, daysUntil: number): Promise<void> {
    const dimIdx = DIMENSIONS.map((_, i) => i);
    const emit = (table: string, keyColumns: readonly string[], valueColumns: readonly string[], rows: readonly Slot[]): void => {
      tables.push({ table, keyColumns, valueColumns, rows });
    };
    const partialColumns = (g: Grain): string[] => g.partials.map((c: PartialName) => c);
    emit(MINUTE_GRAIN.table, MINUTE_GRAIN.dimensions, partialColumns(MINUTE_GRAIN), await minuteRows(hourSlots, pause));
    await pause();
    const hourRows: Slot[] = [];
    for (let i = 0; i < hourSlots.length; i++) {
      if (i > 0 && i % SLOTS_PER_STEP === 0) await pause();
      const s = hourSlots[i]!;
      hourRows.push({ project: s.project, ts: s.ts, key: s.key, values: partialValues(s.acc) });
    }
    emit(FINE.table, DIMENSIONS, partialColumns(FINE), hourRows);
    await pause();
    for (const [grain, size, slots] of [[FINE, HOUR, hourSlots], [COARSE, DAY, hourSlots.filter((s) => s.ts < daysUntil)]] as const) {
      if (slots.length === 0) continue;
      if (grain === COARSE) {
        const rows = new Rows(this.mergeHour);
        for (const s of slots) rows.slots.set(String(rows.slots.size), { project: s.project, ts: s.ts, key: s.key, values: partialValues(s.acc) });
        emit(COARSE.table, DIMENSIONS, partialColumns(COARSE), [...rows.derive(DAY, dimIdx).slots.values()]);
      }
      for (const t of grain.sketchTables) {
        await pause();
        const keep = t.dimensions.map((d) => DIMENSIONS.indexOf(d));
        emit(t.table, [...t.dimensions, 'metric', 'bin'], ['n'], await sketchRows(slots, size, keep, pause));
      }
      await pause();
      emit(grain.phasesTable!, [...DIMENSIONS, 'phase'], ['n', 'sum_ms'], await phaseRows(slots, size, pause));
    }
  }
}

/**
 * Hourly rows a drain step handles before the event loop's turn: at ~5 µs per row (more under load), a step stays
 * around 10 ms however many rows a drain takes.
 */
const SLOTS_PER_STEP = 2_000;

/**
 * Estimated heap bytes per held row, by kind (measured: a distinct hourly key with its trie path, partials and
 * minutes ~2.3 KB; a sketch bin or a phase entry is a map entry). The owner bounds memory by their sum.
 */
const BYTES = { hour: 2_300, minute: 100, bin: 60, phase: 150 } as const;

/** Minute rows (type, status: events, errors, ok) summed from the rows' per-minute counts. */
async function minuteRows(slots: readonly HourSlot[], pause: () => Promise<void>): Promise<Slot[]> {
  const out = new Map<string, Slot>();
  const typeAt = DIMENSIONS.indexOf('type');
  const statusAt = DIMENSIONS.indexOf('status');
  for (let i = 0; i < slots.length; i++) {
    if (i > 0 && i % SLOTS_PER_STEP === 0) await pause();
    const s = slots[i]!;
    const type = s.key[typeAt]!;
    const status = s.key[statusAt]!;
    for (const [minute, [n, errors, ok]] of s.minutes) {
      const id = `${s.project}${SEP}${minute}${SEP}${type}${SEP}${status}`;
      const row = out.get(id);
      if (row === undefined) out.set(id, { project: s.project, ts: minute, key: [type, status], values: [n, errors, ok] });
      else {
        const v = row.values as number[];
        v[0] = v[0]! + n;
        v[1] = v[1]! + errors;
        v[2] = v[2]! + ok;
      }
    }
  }
  return [...out.values()];
}

/** Sketch rows of `slots` in buckets of `size`, by the dimensions at `keep`: one per (key, metric, bin). */
async function sketchRows(slots: readonly HourSlot[], size: number, keep: readonly number[], pause: () => Promise<void>): Promise<Slot[]> {
  const out = new Map<string, Slot>();
  for (let i = 0; i < slots.length; i++) {
    if (i > 0 && i % SLOTS_PER_STEP === 0) await pause();
    const s = slots[i]!;
    const ts = Math.floor(s.ts / size) * size;
    const key = keep.map((i) => s.key[i]!);
    const prefix = `${s.project}${SEP}${ts}${SEP}${keyId(key)}`;
    s.bins.forEach((bins, m) => {
      if (bins === null) return;
      const metric = SKETCHED_COLUMNS[m]!;
      for (const [b, count] of bins) {
        const id = `${prefix}${SEP}${metric}${SEP}${b}`;
        const row = out.get(id);
        if (row === undefined) out.set(id, { project: s.project, ts, key: [...key, metric, b], values: [count] });
        else row.values[0] = (row.values[0] as number) + count;
      }
    });
  }
  return [...out.values()];
}

/** Phase rows of `slots` in buckets of `size`, by all ten dimensions: one per (key, phase). */
async function phaseRows(slots: readonly HourSlot[], size: number, pause: () => Promise<void>): Promise<Slot[]> {
  const out = new Map<string, Slot>();
  for (let i = 0; i < slots.length; i++) {
    if (i > 0 && i % SLOTS_PER_STEP === 0) await pause();
    const s = slots[i]!;
    if (s.phases === null) continue;
    const ts = Math.floor(s.ts / size) * size;
    const prefix = `${s.project}${SEP}${ts}${SEP}${keyId(s.key)}`;
    for (const [phase, [count, ms]] of s.phases) {
      const id = `${prefix}${SEP}${phase}`;
      const row = out.get(id);
      if (row === undefined) out.set(id, { project: s.project, ts, key: [...s.key, phase], values: [count, ms] });
      else {
        row.values[0] = (row.values[0] as number) + count;
        row.values[1] = (row.values[1] as number) + ms;
      }
    }
  }
  return [...out.values()];
}
