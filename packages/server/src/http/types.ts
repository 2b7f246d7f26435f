import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../clock.js';
import type { PulseConfig } from '../config/types.js';
import type { UserRollups } from '../analytics/user-rollups/maintain.js';
import type { EventStore, MetaStore, Scope } from '../store/types.js';

/** Everything a feature's routes may use; passed in, never imported as a global. */
export interface AppDeps {
  config: PulseConfig;
  store: EventStore;
  meta: MetaStore;
  clock: Clock;
  logger: FastifyBaseLogger;
  /** Present when the store keeps the user rollups (analytics/user-rollups/): the user analytics then read them. */
  userRollups?: UserRollups | null;
}

/** Who is calling, resolved once per request by the auth hook. */
export interface RequestAuth {
  /** The project this request reads or writes (the key's own, or `?project=` for an admin key). */
  project: string;
  scope: Scope;
  /** null for the `ANALYTICS_API_KEY` admin key and for unauthenticated loopback mode. */
  keyId: string | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    pulseAuth: RequestAuth | null;
  }
  interface FastifyContextConfig {
    /** The scope a route needs; routes without it are public (`/health`, `/`). */
    scope?: Scope;
    /**
     * The route covers every project (the whole store, the server, its settings): only the every-project admin key
     * (`ANALYTICS_API_KEY`) may call it; a project's own admin key gets 403 (CONTRACT §3: a project key reads and
     * writes only its project).
     */
    everyProject?: true;
  }
}
