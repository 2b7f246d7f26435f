import { loadConfig } from '../config/load.js';

export interface ServerApi {
  base: string;
  /** Authorization with ANALYTICS_API_KEY when set. */
  headers: Record<string, string>;
}

/**
 * The running server at PULSE_URL (default: the configured host and port), or null when none answers `/health`.
 * Commands that touch the embedded store go through it when it runs: the store file is held by one process.
 */
export async function detectServer(): Promise<ServerApi | null> {
  const config = loadConfig();
  const base = process.env.PULSE_URL || localServerUrl(config.host, config.port);
  try {
    const h = await fetch(`${base}/health`, { signal: AbortSignal.timeout(1500) });
    if (!h.ok) return null;
  } catch {
    return null;
  }
  return { base, headers: config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {} };
}

/**
 * Where this machine reaches a server listening on ANALYTICS_HOST:ANALYTICS_PORT: a wildcard address becomes its
 * loopback, an IPv6 address is bracketed (`http://[::1]:8000`).
 */
export function localServerUrl(host: string, port: number): string {
  const h = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${h.includes(':') ? `[${h}]` : h}:${port}`;
}
