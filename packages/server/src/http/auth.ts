import type { FastifyRequest } from 'fastify';
import { isLoopback } from '../config/load.js';
import type { PulseConfig } from '../config/types.js';
import { hashSecret, safeEqual } from '../keys/secrets.js';
import { DEFAULT_PROJECT, PROJECT_NAME } from '../projects/project-settings.js';
import type { ApiKeyRecord, MetaStore, Scope } from '../store/types.js';
import { TtlCache } from '../ttl-cache.js';
import { HttpError } from './errors.js';
import type { RequestAuth } from './types.js';

/** Recently seen key hashes → records (null: no such active key), so the ingest hot path does not query the meta store per request. */
export class KeyCache extends TtlCache<string, ApiKeyRecord | null> {
  private clears = 0;

  constructor(now: () => number) {
    super(now, 5_000);
  }

  /** Changes on every `clear()`: a lookup begun before a revocation was announced must not be cached after it. */
  get generation(): number {
    return this.clears;
  }

  override clear(): void {
    this.clears++;
    super.clear();
  }

  /** Caches a lookup begun at `generation`, unless the cache was cleared while it ran. */
  setIfCurrent(generation: number, hash: string, value: ApiKeyRecord | null): void {
    if (generation === this.clears) this.set(hash, value);
  }

  /** Clears on every key change the meta store announces (all instances, with PostgreSQL); returns the unsubscribe. */
  follow(meta: MetaStore): () => void {
    return meta.onKeysChanged?.(() => this.clear()) ?? (() => {});
  }
}

/** Bearer, X-API-Key, or `?api_key=` (dashboard links and WebSocket, seed 001). */
export function extractKey(request: FastifyRequest): string | null {
  const auth = request.headers.authorization;
  if (auth) {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (m) return m[1]!.trim();
  }
  const x = request.headers['x-api-key'];
  if (typeof x === 'string' && x) return x.trim();
  const q = (request.query as Record<string, unknown> | undefined)?.api_key;
  if (typeof q === 'string' && q) return q;
  if (Array.isArray(q)) throw new HttpError(400, 'invalid_parameter', 'api_key: given more than once; send one key');
  return null;
}

const satisfies = (have: Scope, need: Scope): boolean => have === 'admin' || have === need;

function requestedProject(request: FastifyRequest): string | null {
  const p = (request.query as Record<string, unknown> | undefined)?.project;
  if (p === undefined) return null;
  if (typeof p !== 'string' || !PROJECT_NAME.test(p)) {
    throw new HttpError(400, 'invalid_parameter', 'project: must match ^[a-z0-9][a-z0-9_-]{0,63}$');
  }
  return p;
}

/** `127.0.0.1:8000`, `[::1]:8000`, `http://localhost:3000` → whether its host is a loopback one; unparsable: no. */
function loopbackHost(hostOrOrigin: string, withScheme: boolean): boolean {
  try {
    const host = new URL(withScheme ? hostOrOrigin : `http://${hostOrOrigin}`).hostname.replace(/^\[(.*)\]$/, '$1');
    return isLoopback(host);
  } catch {
    return false;
  }
}

/**
 * Without ANALYTICS_API_KEY every loopback caller is admin — and so is any web page in a browser on this host unless
 * the request shows otherwise: a foreign `Origin` (a WebSocket or a no-preflight POST, which CORS does not stop) or a
 * foreign `Host` (DNS rebinding). Those are refused; a listed ANALYTICS_CORS_ORIGINS origin is the operator's choice.
 */
function assertLocalCaller(request: FastifyRequest, corsOrigins: readonly string[]): void {
  const host = request.headers.host;
  if (host !== undefined && !loopbackHost(host, false)) {
    throw new HttpError(403, 'forbidden', 'without ANALYTICS_API_KEY only loopback host names are served (Host is not one); set ANALYTICS_API_KEY');
  }
  const origin = request.headers.origin;
  if (origin === undefined || corsOrigins.includes('*') || corsOrigins.includes(origin)) return;
  if (!loopbackHost(origin, true)) {
    throw new HttpError(403, 'forbidden', 'without ANALYTICS_API_KEY only local pages may call the API (Origin is not local); list it in ANALYTICS_CORS_ORIGINS or set ANALYTICS_API_KEY');
  }
}

/** The caller may see what spans every project: the `ANALYTICS_API_KEY` admin key (or loopback mode without one). */
export function isEveryProjectAdmin(auth: RequestAuth | null): boolean {
  return auth !== null && auth.scope === 'admin' && auth.keyId === null;
}

/**
 * Resolves who is calling and checks the route's scope (CONTRACT §3): 401 without a valid key,
 * 403 without the scope or for another project. Messages never reveal whether a key exists elsewhere.
 */
export function createAuthenticator(config: PulseConfig, meta: MetaStore, cache: KeyCache) {
  return async function authenticate(request: FastifyRequest, need: Scope): Promise<RequestAuth> {
    const asked = requestedProject(request);
    const secret = extractKey(request);
    if (!config.apiKey && secret === null) {
      // Loopback-only mode without an admin key (refused at start on other interfaces).
      assertLocalCaller(request, config.corsOrigins);
      return { project: asked ?? DEFAULT_PROJECT, scope: 'admin', keyId: null };
    }
    if (secret === null) throw new HttpError(401, 'unauthorized', 'missing API key (Authorization: Bearer <key>, X-API-Key, or ?api_key=)');
    if (config.apiKey && safeEqual(secret, config.apiKey)) {
      return { project: asked ?? DEFAULT_PROJECT, scope: 'admin', keyId: null };
    }
    const hash = hashSecret(secret);
    let key = cache.get(hash);
    if (key === undefined) {
      const generation = cache.generation;
      key = await meta.findKeyByHash(hash);
      cache.setIfCurrent(generation, hash, key);
    }
    if (!key) throw new HttpError(401, 'unauthorized', 'invalid API key');
    if (asked !== null && asked !== key.project) throw new HttpError(403, 'forbidden', 'this key has no access to that project');
    if (!satisfies(key.scope, need)) throw new HttpError(403, 'forbidden', `this key lacks the ${need} scope`);
    return { project: key.project, scope: key.scope, keyId: key.id };
  };
}
