/**
 * What this process knows of `user_first_seen` for the users it has written lately, so a write skips the users whose
 * row it would not change — in a live stream, nearly all of them: each user's first event is seen once, and a plan
 * changes rarely. For each user it holds bounds the table's row is known to meet: `first_ts` at or before `first`,
 * `plan_ts` at or after `planTs`. A write only lowers `first_ts` and raises `plan_ts`, so the bounds stay true
 * whatever else writes; retention (which can raise `first_ts`) clears them.
 */
import type { FirstSeenRow } from './accumulator.js';

const SEP = '\u0001';

export class FirstSeenBounds {
  private readonly known = new Map<string, { first: number; planTs: number }>();

  /** `max`: users held; past it the earliest-added are forgotten (their next write goes to the table). */
  constructor(private readonly max: number) {}

  /** The rows whose upsert could change `user_first_seen`: an earlier first event, or a later plan. */
  changes(rows: readonly FirstSeenRow[]): FirstSeenRow[] {
    return rows.filter((r) => {
      const k = this.known.get(r.project + SEP + r.user);
      return k === undefined || r.first < k.first || (r.planTs !== null && r.planTs > k.planTs);
    });
  }

  /** After `rows` were upserted (committed): the table's rows now meet them. */
  wrote(rows: readonly FirstSeenRow[]): void {
    for (const r of rows) {
      const key = r.project + SEP + r.user;
      const k = this.known.get(key);
      const planTs = r.planTs ?? -Infinity;
      if (k !== undefined) {
        k.first = Math.min(k.first, r.first);
        k.planTs = Math.max(k.planTs, planTs);
        continue;
      }
      this.known.set(key, { first: r.first, planTs });
    }
    if (this.known.size > this.max) {
      let excess = this.known.size - Math.floor(this.max * 0.9);
      for (const key of this.known.keys()) {
        if (excess-- <= 0) break;
        this.known.delete(key);
      }
    }
  }

  clear(): void {
    this.known.clear();
  }
}
