/**
 * The real Pulse server, in-process, for the SDK's end-to-end tests — when the server package can be
 * loaded. The SDK has no dependency on it; tests load it by name at run time and skip, saying why,
 * while it is not available.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RealPulse {
  url: string;
  store: { query(sql: string, params: readonly (string | number | boolean | null)[]): Promise<Record<string, unknown>[]> };
  close(): Promise<void>;
}
type StartPulse = (opts: { dataDir: string; port: number; apiKey?: string }) => Promise<RealPulse>;

let loaded: Promise<StartPulse | string> | undefined;

/** `startPulse` from @pulse/server, or the reason it cannot be used yet. */
export function loadStartPulse(): Promise<StartPulse | string> {
  loaded ??= (async () => {
    try {
      const spec = '@pulse/server';
      const mod = (await import(/* @vite-ignore */ spec)) as { startPulse?: unknown };
      return typeof mod.startPulse === 'function' ? (mod.startPulse as StartPulse) : '@pulse/server does not export startPulse yet';
    } catch (err) {
      return `@pulse/server cannot be loaded yet (${(err as Error).message.split('\n')[0]})`;
    }
  })();
  return loaded;
}

/** Starts a real server on a fresh data directory; `close()` also removes the directory. */
export async function startRealPulse(start: StartPulse, extra: { apiKey?: string } = {}): Promise<RealPulse> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pulse-sdk-e2e-'));
  const pulse = await start({ dataDir, port: 0, ...extra });
  return {
    url: pulse.url,
    store: pulse.store,
    close: async () => {
      await pulse.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Rows stored with this event `name`, and how many distinct client ids among them. */
export async function countByName(pulse: RealPulse, name: string): Promise<{ n: number; distinct: number }> {
  const [row] = await pulse.store.query('select count(*) as n, count(distinct id) as d from events where name = ?', [name]);
  return { n: Number(row?.n ?? 0), distinct: Number(row?.d ?? 0) };
}

/** The stored events of one service, in arrival order, with the fields the SDK tests look at. */
export async function eventsOfService(pulse: RealPulse, service: string): Promise<Record<string, unknown>[]> {
  return pulse.store.query(
    'select type, name, status, severity, error_type, user_id, model, value from events where service = ? order by seq',
    [service],
  );
}
