import { DuckDBInstance } from '@duckdb/node-api';

/**
 * Where the bytes of a DuckDB file go, table by table, from `pragma_storage_info` (one row per column segment:
 * the block it lives in and its offset there). DuckDB packs small segments of several columns (and tables) into
 * one block, so a segment's bytes are the distance to the next segment of its block — the last one of a block is
 * charged the block's unused tail — and a segment's additional blocks (long strings) are charged whole. Every data
 * block of the file is thus charged to exactly one table; what is left is metadata and free blocks.
 */
export interface TableStorage {
  rows: number;
  bytes: number;
}

export interface DuckDbStorage {
  blockSize: number;
  /** Blocks in use: data blocks (charged to tables) plus metadata. */
  usedBlocks: number;
  freeBlocks: number;
  tables: Record<string, TableStorage>;
}

interface Segment {
  table: string;
  block: number;
  offset: number;
  additional: number[];
}

/** The share of each segment's block it occupies: charges every byte of every data block to one table. */
export function chargeSegments(segments: readonly Segment[], blockSize: number): Record<string, number> {
  const byBlock = new Map<number, Segment[]>();
  for (const s of segments) {
    const list = byBlock.get(s.block);
    if (list) list.push(s);
    else byBlock.set(s.block, [s]);
  }
  const bytes: Record<string, number> = {};
  const charge = (table: string, n: number): void => {
    bytes[table] = (bytes[table] ?? 0) + n;
  };
  for (const list of byBlock.values()) {
    list.sort((a, b) => a.offset - b.offset);
    list.forEach((s, i) => charge(s.table, (list[i + 1]?.offset ?? blockSize) - s.offset));
  }
  const charged = new Set(byBlock.keys());
  for (const s of segments) {
    for (const block of s.additional) {
      if (charged.has(block)) continue;
      charged.add(block);
      charge(s.table, blockSize);
    }
  }
  return bytes;
}

/** Opens `path` read-only (no server may hold it) and measures every table of it. */
export async function duckDbStorage(path: string): Promise<DuckDbStorage> {
  const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  const c = await instance.connect();
  try {
    const rowsOf = async (sql: string): Promise<Record<string, unknown>[]> => (await c.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
    const [size] = await rowsOf('PRAGMA database_size');
    const blockSize = Number(size?.block_size);
    const names = (await rowsOf(`SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() ORDER BY table_name`)).map((r) => String(r.table_name));
    const q = (name: string): string => `'${name.replace(/'/g, "''")}'`;
    const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;
    const segments = names.length === 0 ? [] : (await rowsOf(names.map((t) =>
      `SELECT ${q(t)} AS t, block_id, block_offset, additional_block_ids FROM pragma_storage_info(${q(t)}) WHERE persistent AND block_id >= 0`,
    ).join(' UNION ALL '))).map((r): Segment => ({
      table: String(r.t),
      block: Number(r.block_id),
      offset: Number(r.block_offset),
      additional: (r.additional_block_ids as unknown[] | null ?? []).map(Number),
    }));
    const bytes = chargeSegments(segments, blockSize);
    const counts = names.length === 0 ? [] : await rowsOf(names.map((t) => `SELECT ${q(t)} AS t, count(*) AS n FROM ${ident(t)}`).join(' UNION ALL '));
    const tables: Record<string, TableStorage> = {};
    for (const r of counts) tables[String(r.t)] = { rows: Number(r.n), bytes: bytes[String(r.t)] ?? 0 };
    return { blockSize, usedBlocks: Number(size?.used_blocks), freeBlocks: Number(size?.free_blocks), tables };
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}
