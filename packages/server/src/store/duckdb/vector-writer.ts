/**
 * Fills DuckDB vectors straight from JS arrays, one memcpy per column.
 *
 * Why not `DuckDBDataChunk.setColumnValues`: it wraps every value (MAP entries become list/struct
 * value objects) and makes one native call per string; measured on the events schema that capped
 * appends near 100k rows/s. Here fixed-width columns are written into typed arrays and copied once,
 * and VARCHARs of ≤ 12 UTF-8 bytes are written inline in the `duckdb_string_t` layout that duckdb.h
 * documents (uint32 length + 12 inline bytes) — only longer strings cost a native call each.
 */
import duckdb from '@duckdb/node-bindings';

type Vector = duckdb.Vector;

const INLINE_MAX = 12;
const STRING_T_BYTES = 16;
const TWO_32 = 4294967296;
const encoder = new TextEncoder();

/** Validity bitmap (DuckDB: uint64 words, bit set = valid), created lazily on the first null. */
class Validity {
  bits: Uint8Array | null = null;
  constructor(private readonly count: number) {}
  setNull(row: number): void {
    if (this.bits === null) this.bits = new Uint8Array(Math.ceil(this.count / 64) * 8).fill(0xff);
    this.bits[row >> 3]! &= ~(1 << (row & 7));
  }
  flush(vector: Vector): void {
    if (this.bits === null) return;
    duckdb.vector_ensure_validity_writable(vector);
    duckdb.copy_data_to_vector_validity(vector, 0, this.bits.buffer as ArrayBuffer, 0, this.bits.byteLength);
  }
}

function copy(vector: Vector, bytes: ArrayBufferView): void {
  duckdb.copy_data_to_vector(vector, 0, bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength);
}

export function writeVarchar(vector: Vector, values: readonly (string | null)[], count: number): void {
  const buf = new Uint8Array(count * STRING_T_BYTES);
  const view = new DataView(buf.buffer);
  const validity = new Validity(count);
  let long: number[] | null = null;
  for (let row = 0; row < count; row++) {
    const s = values[row] ?? null;
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
      const bytes = encoder.encode(s);
      if (bytes.length <= INLINE_MAX) {
        buf.fill(0, off + 4, off + STRING_T_BYTES);
        buf.set(bytes, off + 4);
        view.setUint32(off, bytes.length, true);
        continue;
      }
      buf.fill(0, off + 4, off + STRING_T_BYTES);
    }
    (long ??= []).push(row);
  }
  copy(vector, buf);
  validity.flush(vector);
  if (long !== null) for (const row of long) duckdb.vector_assign_string_element(vector, row, values[row] as string);
}

export function writeInt32(vector: Vector, values: readonly (number | null)[], count: number): void {
  const data = new Int32Array(count);
  const validity = new Validity(count);
  for (let row = 0; row < count; row++) {
    const v = values[row] ?? null;
    if (v === null) validity.setNull(row);
    else data[row] = v;
  }
  copy(vector, data);
  validity.flush(vector);
}

export function writeFloat(vector: Vector, values: readonly (number | null)[], count: number, bits: 32 | 64): void {
  const data = bits === 32 ? new Float32Array(count) : new Float64Array(count);
  const validity = new Validity(count);
  for (let row = 0; row < count; row++) {
    const v = values[row] ?? null;
    if (v === null) validity.setNull(row);
    else data[row] = v;
  }
  copy(vector, data);
  validity.flush(vector);
}

/**
 * 64-bit integers from JS numbers (safe integers only — seq and µs timestamps stay far below 2^53),
 * written as two 32-bit halves so no BigInt is allocated per row.
 */
export function writeInt64(vector: Vector, values: readonly (number | null)[], count: number, scale = 1): void {
  const data = new Uint32Array(count * 2);
  const validity = new Validity(count);
  for (let row = 0; row < count; row++) {
    const raw = values[row] ?? null;
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
  copy(vector, data);
  validity.flush(vector);
}

/** A MAP(VARCHAR, V) vector: list entries {offset, length} over a STRUCT(key, value) child. */
export function writeMap<V extends string | number>(
  vector: Vector,
  values: readonly (Readonly<Record<string, V>> | null)[],
  count: number,
  writeValues: (child: Vector, values: V[], count: number) => void,
): void {
  const entries = new Uint32Array(count * 4);
  const validity = new Validity(count);
  const keys: string[] = [];
  const vals: V[] = [];
  for (let row = 0; row < count; row++) {
    const m = values[row] ?? null;
    if (m === null) {
      validity.setNull(row);
      continue;
    }
    const start = keys.length;
    for (const k in m) {
      keys.push(k);
      vals.push(m[k] as V);
    }
    entries[row * 4] = start;
    entries[row * 4 + 2] = keys.length - start;
  }
  const total = keys.length;
  duckdb.list_vector_reserve(vector, total);
  duckdb.list_vector_set_size(vector, total);
  copy(vector, entries);
  validity.flush(vector);
  if (total === 0) return;
  const child = duckdb.list_vector_get_child(vector);
  writeVarchar(duckdb.struct_vector_get_child(child, 0), keys, total);
  writeValues(duckdb.struct_vector_get_child(child, 1), vals, total);
}
