/**
 * The catch-up from the table that both sets of rollups of the embedded file run (the hourly/daily rollups:
 * rollups.ts, for what their in-memory accumulators do not hold; the user rollups: analytics/user-rollups/maintain.ts,
 * for everything): events past the watermark, a slice of at most `sliceEvents` seqs at a time, each slice written
 * with its new watermark in a transaction of its own — so a backlog of millions never aggregates in one go, and a
 * failure loses no more than a slice's work.
 */
export interface SliceLoop {
  /** The watermark to start from. */
  watermark: number;
  /** The last seq to roll up, given the watermark reached so far (read before every slice). */
  until: (watermark: number) => number;
  sliceEvents: number;
  /** Rolls events (from, to] up and moves the watermark to `to`. */
  slice: (from: number, to: number) => Promise<void>;
}

/** Runs the slices; returns the watermark reached. */
export async function rollUpInSlices(loop: SliceLoop): Promise<number> {
  let { watermark } = loop;
  for (;;) {
    const target = Math.min(loop.until(watermark), watermark + loop.sliceEvents);
    if (target <= watermark) return watermark;
    await loop.slice(watermark, target);
    watermark = target;
  }
}
