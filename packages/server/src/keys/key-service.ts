import type { Clock } from '../clock.js';
import { badRequest } from '../http/errors.js';
import { PROJECT_NAME } from '../projects/project-settings.js';
import type { ApiKeyRecord, MetaStore, Scope } from '../store/types.js';
import { SCOPES } from '../store/types.js';
import { hashSecret, newKeyId, newSecret, secretPrefix } from './secrets.js';

export interface CreatedKey {
  id: string;
  key: string;
  project: string;
  scope: Scope;
  name: string | null;
}

export interface CreateKeyInput {
  project?: unknown;
  scope?: unknown;
  name?: unknown;
}

/** Validates and creates a key; the secret is returned here and nowhere else (only its hash is stored). */
export async function createKey(meta: MetaStore, clock: Clock, input: CreateKeyInput): Promise<CreatedKey> {
  const project = input.project ?? 'default';
  if (typeof project !== 'string' || !PROJECT_NAME.test(project)) {
    throw badRequest('project', 'must match ^[a-z0-9][a-z0-9_-]{0,63}$');
  }
  const scope = input.scope;
  if (typeof scope !== 'string' || !(SCOPES as readonly string[]).includes(scope)) {
    throw badRequest('scope', 'must be one of ingest, read, admin');
  }
  const name = input.name ?? null;
  if (name !== null && (typeof name !== 'string' || name.length > 128)) {
    throw badRequest('name', 'must be a string of at most 128 characters');
  }
  // PostgreSQL text cannot hold NUL: refused here for every backend, so a key name means the same on all of them.
  if (name !== null && name.includes('\u0000')) throw badRequest('name', 'must not contain NUL characters');
  const secret = newSecret();
  const id = newKeyId();
  const now = clock.now();
  if (!(await meta.getProject(project))) {
    await meta.upsertProject({ name: project, createdAt: now, storeText: false });
  }
  await meta.createKey({ id, project, scope: scope as Scope, name, prefix: secretPrefix(secret), createdAt: now, hash: hashSecret(secret) });
  return { id, key: secret, project, scope: scope as Scope, name };
}

export const publicKey = (k: ApiKeyRecord): Record<string, unknown> => ({
  id: k.id,
  project: k.project,
  scope: k.scope,
  name: k.name,
  prefix: k.prefix,
  created_at: new Date(k.createdAt).toISOString(),
  revoked_at: k.revokedAt === null ? null : new Date(k.revokedAt).toISOString(),
});
