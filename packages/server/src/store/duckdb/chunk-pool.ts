import { DuckDBDataChunk, type DuckDBType } from '@duckdb/node-api';

/**
 * Reuses data chunks. A chunk's native memory (~0.5 MB for the events table) is released only
 * when V8 happens to collect its small JS wrapper; allocating one per append let RSS grow by
 * hundreds of MB during a 1M-event load.
 */
export class ChunkPool {
  private readonly idle: DuckDBDataChunk[] = [];

  constructor(
    private readonly types: readonly DuckDBType[],
    private readonly keep = 8,
  ) {}

  take(): DuckDBDataChunk {
    const chunk = this.idle.pop();
    if (chunk === undefined) return DuckDBDataChunk.create(this.types);
    // Resets the vectors to their own buffers, an all-valid mask and empty list children.
    chunk.reset();
    return chunk;
  }

  give(chunks: readonly DuckDBDataChunk[]): void {
    for (const chunk of chunks) if (this.idle.length < this.keep) this.idle.push(chunk);
  }
}
