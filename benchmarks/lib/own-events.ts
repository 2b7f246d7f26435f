/**
 * Events Pulse writes itself during a load: its built-in `store` health check records a `health` event each time its
 * status changes (a read over a second or a write queue over half full makes it `degraded` until the next check).
 * They are stored, exported and queried like any event, but no client sent them. The generated datasets hold no
 * `health` events. The condition below is the same SQL in DuckDB, PostgreSQL and ClickHouse.
 */
export const OWN_HEALTH_EVENTS = "type = 'health' AND name = 'store'";
