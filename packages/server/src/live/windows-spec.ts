/** The rolling windows of the live feed (documented in docs/dashboard.md and live/messages.ts). */
export const MINUTE_MS = 60_000;
/** messages per minute, response time, error rate, latency percentiles, tokens by model. */
export const RECENT_MINUTES = 5;
/** active users and guilds. */
export const ACTIVE_MINUTES = 15;
/** per-persona messages and sentiment. */
export const PERSONA_MINUTES = 60;
/** the 24 h error rate. */
export const DAY_MINUTES = 1440;

/**
 * A window of N minutes ending now covers the minute buckets [current − N + 1, current]: from the start
 * of that first minute to now, i.e. between N − 1 and N minutes. Rates divide by the time really covered.
 */
export function windowStartMs(nowMs: number, minutes: number): number {
  return (Math.floor(nowMs / MINUTE_MS) - minutes + 1) * MINUTE_MS;
}

export function utcDayStartMs(nowMs: number): number {
  return Math.floor(nowMs / 86_400_000) * 86_400_000;
}
