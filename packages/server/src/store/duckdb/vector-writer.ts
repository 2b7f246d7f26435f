/**
 * Fills DuckDB vectors straight from JS values, one memcpy per column.
 *
 * Why not `DuckDBDataChunk.setColumnValues`: it wraps every value (MAP entries become list/struct
 * value objects) and makes one native call per string. benchmarks/store-append.bench.ts compares the
 * three ways of feeding the appender on every run (docs/benchmarks.md); this one is the fastest. Fixed-width values go into reused typed arrays copied once;
 * VARCHARs of ≤ 12 UTF-8 bytes are written inline in the `duckdb_string_t` layout that duckdb.h
 * documents (uint32 length + 12 inline bytes, zero-padded) — only longer strings cost a native call.
 *
 * Every function copies into the vector before returning, so the scratch buffers are free again.
 */
import duckdb from '@duckdb/node-bindings';

type Vector = duckdb.Vector;
/** Reads one column's value from a row. */
export type Get<R, V> = (row: R) => V;

const INLINE_MAX = 12;
const STRING_T_BYTES = 16;
const TWO_32 = 4294967296;
const encoder = new TextEncoder();

let scratch = new ArrayBuffer(2048 * STRING_T_BYTES);
let validityScratch = new Uint8Array(2048 / 8);

/** A zeroed view of the shared scratch buffer, grown when a list child needs more. */
function scratchBytes(bytes: number): ArrayBuffer {
  if (scratch.byteLength < bytes) scratch = new ArrayBuffer(bytes * 2);
  new Uint8Array(scratch, 0, bytes).fill(0);
  return scratch;
}

/** Validity bitmap (DuckDB: uint64 words, bit set = valid), filled in only once a null shows up. */
class Validity {
  private bits: Uint8Array | null = null;
  constructor(private readonly count: number) {}
  setNull(row: number): void {
    if (this.bits === null) {
      const bytes = Math.ceil(this.count / 64) * 8;
      if (validityScratch.length < bytes) validityScratch = new Uint8Array(bytes * 2);
      this.bits = validityScratch.subarray(0, bytes).fill(0xff);
    }
    this.bits[row >> 3]! &= ~(1 << (row & 7));
  }
  flush(vector: Vector): void {
    if (this.bits === null) return;
    duckdb.vector_ensure_validity_writable(vector);
    duckdb.copy_data_to_vector_validity(vector, 0, this.bits.buffer as ArrayBuffer, this.bits.byteOffset, this.bits.byteLength);
  }
}

function copy(vector: Vector, buffer: ArrayBuffer, bytes: number): void {
  duckdb.copy_data_to_vector(vector, 0, buffer, 0, bytes);
}

export function writeVarchar<R>(vector: Vector, rows: readonly R[], start: number, count: number, get: Get<R, string | null>): void {
  const bytes = count * STRING_T_BYTES;
  const buffer = scratchBytes(bytes);
  const buf = new Uint8Array(buffer, 0, bytes);
  const view = new DataView(buffer, 0, bytes);
  const validity = new Validity(count);
  let long: number[] | null = null;
  for (let row = 0; row < count; row++) {
    const s = get(rows[start + row] as R);
    if (s === null) {
      validity.setNull(row);
      continue;
    }
    const off = row * STRING_T_BYTES;
    const len = s.length;
    if (len <= INLINE_MAX) {
      let ascii = true;
      for (let j = 0; j < len; j++) {
        const c = s.charCodeAt(j);
        if (c > 0x7f) {
          ascii = false;
          break;
        }
        buf[off + 4 + j] = c;
      }
      if (ascii) {
        view.setUint32(off, len, true);
        continue;
      }
      buf.fill(0, off + 4, off + STRING_T_BYTES);
      const encoded = encoder.encode(s);
      if (encoded.length <= INLINE_MAX) {
        buf.set(encoded, off + 4);
        view.setUint32(off, encoded.length, true);
        continue;
      }
    }
    (long ??= []).push(row);
  }
  copy(vector, buffer, bytes);
  validity.flush(vector);
  if (long !== null) for (const row of long) duckdb.vector_assign_string_element(vector, row, get(rows[start + row] as R) as string);
}

function writeFixed<R>(
  vector: Vector,
  rows: readonly R[],
  start: number,
  count: number,
  get: Get<R, number | null>,
  make: (buffer: ArrayBuffer, count: number) => { [i: number]: number },
  width: number,
): void {
  const buffer = scratchBytes(count * width);
  const data = make(buffer, count);
  const validity = new Validity(count);
  for (let row = 0; row < count; row++) {
    const v = get(rows[start + row] as R);
    if (v === null) validity.setNull(row);
    else data[row] = v;
  }
  copy(vector, buffer, count * width);
  validity.flush(vector);
}

const float32 = (b: ArrayBuffer, n: number): Float32Array => new Float32Array(b, 0, n);
const float64 = (b: ArrayBuffer, n: number): Float64Array => new Float64Array(b, 0, n);

export function writeInt32<R>(vector: Vector, rows: readonly R[], start: number, count: number, get: Get<R, number | null>): void {
  const buffer = scratchBytes(count * 4);
  const data = new Int32Array(buffer, 0, count);
  const validity = new Validity(count);
  for (let row = 0; row < count; row++) {
    const v = get(rows[start + row] as R);
    if (v === null) validity.setNull(row);
    // An Int32Array would wrap a larger value silently.
    else if ((v | 0) !== v) throw new RangeError(`value ${v} does not fit a 32-bit integer column`);
    else data[row] = v;
  }
  copy(vector, buffer, count * 4);
  validity.flush(vector);
}

export function writeFloat32<R>(vector: Vector, rows: readonly R[], start: number, count: number, get: Get<R, number | null>): void {
  writeFixed(vector, rows, start, count, get, float32, 4);
}

/** BOOLEAN: one byte per row, 0 or 1. */
export function writeBoolean<R>(vector: Vector, rows: readonly R[], start: number, count: number, get: Get<R, boolean | null>): void {
  writeFixed(vector, rows, start, count, (r) => {
    const v = get(r);
    return v === null ? null : v ? 1 : 0;
  }, uint8, 1);
}

const uint8 = (b: ArrayBuffer, n: number): Uint8Array => new Uint8Array(b, 0, n);

export function writeFloat64<R>(vector: Vector, rows: readonly R[], start: number, count: number, get: Get<R, number | null>): void {
  writeFixed(vector, rows, start, count, get, float64, 8);
}

/**
 * 64-bit integers from JS numbers times `scale` (safe integers only — seq and µs timestamps stay far
 * below 2^53), written as two 32-bit halves so no BigInt is allocated per row.
 */
export function writeInt64<R>(vector: Vector, rows: readonly R[], start: number, count: number, get: Get<R, number | null>, scale = 1): void {
  const buffer = scratchBytes(count * 8);
  const data = new Uint32Array(buffer, 0, count * 2);
  const validity = new Validity(count);
  for (let row = 0; row < count; row++) {
    const raw = get(rows[start + row] as R);
    if (raw === null) {
      validity.setNull(row);
      continue;
    }
    const v = raw * scale;
    if (!Number.isSafeInteger(v)) throw new RangeError(`value ${raw} does not fit a 64-bit column exactly`);
    const hi = Math.floor(v / TWO_32);
    data[row * 2] = v - hi * TWO_32;
    data[row * 2 + 1] = hi >>> 0;
  }
  copy(vector, buffer, count * 8);
  validity.flush(vector);
}

const itself = <T>(x: T): T => x;

/** A MAP(VARCHAR, V) vector: list entries {offset, length} over a STRUCT(key, value) child. */
export function writeMap<R, V extends string | number>(
  vector: Vector,
  rows: readonly R[],
  start: number,
  count: number,
  get: Get<R, Readonly<Record<string, V>> | null>,
  writeValues: (child: Vector, values: readonly V[], start: number, count: number, get: Get<V, V>) => void,
): void {
  const validity = new Validity(count);
  const keys: string[] = [];
  const values: V[] = [];
  const entries = new Uint32Array(count * 4);
  for (let row = 0; row < count; row++) {
    const m = get(rows[start + row] as R);
    if (m === null) {
      validity.setNull(row);
      continue;
    }
    const first = keys.length;
    for (const k in m) {
      keys.push(k);
      values.push(m[k] as V);
    }
    entries[row * 4] = first;
    entries[row * 4 + 2] = keys.length - first;
  }
  const total = keys.length;
  duckdb.list_vector_reserve(vector, total);
  duckdb.list_vector_set_size(vector, total);
  duckdb.copy_data_to_vector(vector, 0, entries.buffer as ArrayBuffer, 0, entries.byteLength);
  validity.flush(vector);
  if (total === 0) return;
  const child = duckdb.list_vector_get_child(vector);
  writeVarchar(duckdb.struct_vector_get_child(child, 0), keys, 0, total, itself);
  writeValues(duckdb.struct_vector_get_child(child, 1), values, 0, total, itself);
}
