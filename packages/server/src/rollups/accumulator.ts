import type { StoredEvent } from '@pulse/protocol';
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
  rows: Array<{ project: string; ts: number; key: readonly KeyValue[]; values: readonly (number | null)[] }>;
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
const NUL = '\u0000';
const SEP = '\u0001';

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

const sumAll: Merge = (into, from) => {
  for (let i = 0; i < from.length; i++) into[i] = add(into[i]!, from[i]!);
};

function bin(v: number): number {
  return v > 0 ? Math.ceil(Math.log(v) / SKETCH_LN_GAMMA) : ZERO_BIN;
}

class Rows {
  readonly slots = new Map<string, Slot>();
  constructor(private readonly merge: Merge) {}

  add(id: string, project: string, ts: number, key: KeyValue[], values: (number | null)[]): void {
    const slot = this.slots.get(id);
    if (slot === undefined) this.slots.set(id, { project, ts, key, values: [...values] });
    else this.merge(slot.values, values);
  }

  /** These rows re-keyed (coarser bucket, fewer key columns) and merged. */
  derive(bucket: number, keyIndexes: readonly number[]): Rows {
    const out = new Rows(this.merge);
    for (const s of this.slots.values()) {
      const ts = Math.floor(s.ts / bucket) * bucket;
      const key = keyIndexes.map((i) => s.key[i]!);
      out.add(`${s.project}${SEP}${ts}${SEP}${key.map((k) => k ?? NUL).join(SEP)}`, s.project, ts, key, s.values);
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

export class RollupAccumulator {
  private minute = new Rows(partialMerge(MINUTE_PARTIALS));
  private hour = new Rows(partialMerge(HOUR_PARTIALS));
  private latency = new Rows(sumAll);
  private phases = new Rows(sumAll);
  private from: number;
  private to: number;

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
    return this.minute.slots.size + this.hour.slots.size + this.latency.slots.size + this.phases.slots.size;
  }

  /** A committed batch whose events are numbered `firstSeq`, `firstSeq + 1`, … in order. */
  add(events: readonly StoredEvent[], firstSeq: number): void {
    if (firstSeq !== this.to + 1) throw new Error(`rollup accumulator: batch starts at seq ${firstSeq}, expected ${this.to + 1}`);
    for (const e of events) this.addEvent(e);
    this.to = firstSeq + events.length - 1;
  }

  private addEvent(e: StoredEvent): void {
    const p = e.project;
    const ts = Math.round(e.ts);
    const dims: KeyValue[] = [e.type, e.name, e.service, e.environment, e.persona, e.model, e.provider, e.status, e.error_type, e.prompt_id];
    const dimId = dims.map((d) => d ?? NUL).join(SEP);
    const hour = Math.floor(ts / HOUR) * HOUR;
    const hourId = `${p}${SEP}${hour}${SEP}${dimId}`;
    this.hour.add(hourId, p, hour, dims, HOUR_PARTIALS.map((d) => d.js(e)));
    const minute = Math.floor(ts / MINUTE) * MINUTE;
    this.minute.add(`${p}${SEP}${minute}${SEP}${e.type}${SEP}${e.status}`, p, minute, [e.type, e.status], MINUTE_PARTIALS.map((d) => d.js(e)));
    for (const column of SKETCHED_COLUMNS) {
      const v = e[column];
      if (v === null) continue;
      const b = bin(Math.fround(v));
      this.latency.add(`${hourId}${SEP}${column}${SEP}${b}`, p, hour, [...dims, column, b], [1]);
    }
    if (e.phases !== null) {
      for (const [phase, ms] of Object.entries(e.phases)) {
        this.phases.add(`${hourId}${SEP}${phase}`, p, hour, [...dims, phase], [1, Math.fround(ms)]);
      }
    }
  }

  /** Every row held, per table (daily and narrower sketch tables derived), and an empty accumulator from here on. */
  drain(): Drained {
    const dimIdx = DIMENSIONS.map((_, i) => i);
    const latencyIdx = [...dimIdx, DIMENSIONS.length, DIMENSIONS.length + 1];
    const phaseIdx = [...dimIdx, DIMENSIONS.length];
    const tables: TableRows[] = [];
    const emit = (table: string, keyColumns: readonly string[], valueColumns: readonly string[], rows: Rows): void => {
      tables.push({ table, keyColumns, valueColumns, rows: [...rows.slots.values()] });
    };
    const partialColumns = (g: Grain): string[] => g.partials.map((c: PartialName) => c);
    emit(MINUTE_GRAIN.table, MINUTE_GRAIN.dimensions, partialColumns(MINUTE_GRAIN), this.minute);
    emit(FINE.table, DIMENSIONS, partialColumns(FINE), this.hour);
    emit(COARSE.table, DIMENSIONS, partialColumns(COARSE), this.hour.derive(DAY, dimIdx));
    for (const [grain, size] of [[FINE, HOUR], [COARSE, DAY]] as const) {
      const rows = size === HOUR ? this.latency : this.latency.derive(DAY, latencyIdx);
      for (const t of grain.sketchTables) {
        const keep = t.dimensions.map((d) => DIMENSIONS.indexOf(d));
        const narrowed = t.dimensions.length === DIMENSIONS.length ? rows : rows.derive(size, [...keep, DIMENSIONS.length, DIMENSIONS.length + 1]);
        emit(t.table, [...t.dimensions, 'metric', 'bin'], ['n'], narrowed);
      }
      emit(grain.phasesTable!, [...DIMENSIONS, 'phase'], ['n', 'sum_ms'], size === HOUR ? this.phases : this.phases.derive(DAY, phaseIdx));
    }
    const drained = { fromSeq: this.from, toSeq: this.to, tables };
    this.minute = new Rows(partialMerge(MINUTE_PARTIALS));
    this.hour = new Rows(partialMerge(HOUR_PARTIALS));
    this.latency = new Rows(sumAll);
    this.phases = new Rows(sumAll);
    this.from = this.to + 1;
    return drained;
  }
}

