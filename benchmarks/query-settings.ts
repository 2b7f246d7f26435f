import type { PgRepeatPolicy, RepeatPlan } from './lib/timing.js';

/** How the query bench loads and repeats, in one place: the bench uses these and the report describes them. */
export const LOAD_SENDERS = 4;
export const PG_POLICY_FULL: PgRepeatPolicy = { fast: 10, medium: 5, slow: 3 };
export const PG_POLICY_QUICK: PgRepeatPolicy = { fast: 3, medium: 3, slow: 3 };
/** Timed runs of each Pulse query, after warm-ups. */
export const PULSE_PLAN_FULL: RepeatPlan = { warmups: 2, reps: 20 };
export const PULSE_PLAN_QUICK: RepeatPlan = { warmups: 1, reps: 5 };
/**
 * Runs of each Pulse query over a range that is new each time (shifted back 1 s per run), so no plan DuckDB kept for
 * the same text is reused: what a dashboard whose "now" moves on sees (store/duckdb/literal.ts).
 */
export const NEW_RANGE_RUNS = 10;
export const NEW_RANGE_RUNS_QUICK = 3;
