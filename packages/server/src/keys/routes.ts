import type { FastifyInstance } from 'fastify';
import { HttpError } from '../http/errors.js';
import type { AppDeps } from '../http/types.js';
import type { KeyCache } from '../http/auth.js';
import { createKey, publicKey } from './key-service.js';

/** `POST/GET/DELETE /v1/keys` (CONTRACT §3), admin only. */
export function registerKeyRoutes(app: FastifyInstance, deps: AppDeps & { keyCache: KeyCache }): void {
  app.post('/v1/keys', { config: { scope: 'admin' } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'malformed_body', 'body: expected a JSON object');
    // A project key with admin scope manages its own project only.
    const auth = request.pulseAuth!;
    if (auth.keyId !== null && body.project !== undefined && body.project !== auth.project) {
      throw new HttpError(403, 'forbidden', 'this key cannot manage keys of another project');
    }
    const created = await createKey(deps.meta, deps.clock, { ...body, project: body.project ?? auth.project });
    reply.code(201).send(created);
  });

  app.get('/v1/keys', { config: { scope: 'admin' } }, async (request) => {
    const auth = request.pulseAuth!;
    const all = auth.keyId === null && !(request.query as Record<string, unknown>).project;
    const keys = await deps.meta.listKeys(all ? undefined : auth.project);
    return { keys: keys.map(publicKey) };
  });

  app.delete<{ Params: { id: string } }>('/v1/keys/:id', { config: { scope: 'admin' } }, async (request, reply) => {
    const auth = request.pulseAuth!;
    const { id } = request.params;
    if (auth.keyId !== null) {
      const own = await deps.meta.listKeys(auth.project);
      if (!own.some((k) => k.id === id)) throw new HttpError(404, 'not_found', `key ${id}: no such active key`);
    }
    const ok = await deps.meta.revokeKey(id, deps.clock.now());
    if (!ok) throw new HttpError(404, 'not_found', `key ${id}: no such active key`);
    deps.keyCache.clear();
    reply.code(204).send();
  });
}
