/** The connection a `PULSE_CLICKHOUSE_URL` names. */
export interface ClickHouseUrl {
  /** The HTTP interface without credentials or path, e.g. `http://127.0.0.1:8123`. */
  url: string;
  /** From the path (`/pulse`); default `pulse`. Created on start when missing. */
  database: string;
  username?: string;
  password?: string;
}

const DATABASE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parses `http(s)://[user[:password]@]host[:port][/database]` (user and password percent-encoded). Throws an Error
 * whose message never repeats the URL (it may hold a password).
 */
export function parseClickHouseUrl(raw: string): ClickHouseUrl {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new Error('must be a URL such as http://user:password@host:8123/pulse');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('must be an http:// or https:// URL (ClickHouse\'s HTTP interface, port 8123 by default)');
  if (u.search !== '' || u.hash !== '') throw new Error('must not have a query string or fragment');
  const path = u.pathname.replace(/^\/+|\/+$/g, '');
  const database = path === '' ? 'pulse' : path;
  if (!DATABASE_NAME.test(database)) throw new Error(`its path names the database, which must match ${DATABASE_NAME}`);
  return {
    url: `${u.protocol}//${u.host}`,
    database,
    ...(u.username === '' ? {} : { username: decodeURIComponent(u.username) }),
    ...(u.password === '' ? {} : { password: decodeURIComponent(u.password) }),
  };
}
