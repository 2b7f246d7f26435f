import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.js';
import { hashSecret } from '../keys/secrets.js';
import { openEmbeddedStores, type EmbeddedStores } from '../store/duckdb/index.js';
import type { MetaStore } from '../store/types.js';
import { createAuthenticator, KeyCache } from './auth.js';

let stores: EmbeddedStores | null = null;
afterEach(async () => {
  await stores?.close();
  stores = null;
});

const request = (secret: string) => ({ headers: { authorization: `Bearer ${secret}` }, query: {} }) as never;
const config = loadConfig({ env: { ANALYTICS_API_KEY: 'admin' } });

describe('KeyCache (real DuckDB meta store)', () => {
  it('follows the meta store: a revocation clears it, and a lookup that raced the revocation is not cached', async () => {
    stores = await openEmbeddedStores({ dataDir: ':memory:' });
    const meta = stores.meta;
    await meta.createKey({ id: 'k1', project: 'p', scope: 'read', name: null, prefix: 'pk', createdAt: 1, hash: hashSecret('s1') });
    const cache = new KeyCache(() => 0); // never expires: only clears can drop an entry
    const unfollow = cache.follow(meta);
    // A lookup that reads the key, then sees it revoked (by "another request") before it returns.
    let racing = true;
    const slow: MetaStore = Object.create(meta, {
      findKeyByHash: {
        value: async (hash: string) => {
          const found = await meta.findKeyByHash(hash);
          if (racing) await meta.revokeKey('k1', 2);
          return found;
        },
      },
    });
    const authenticate = createAuthenticator(config, slow, cache);
    // This request began before the revocation and may pass, but its stale answer must not be cached…
    expect(await authenticate(request('s1'), 'read')).toMatchObject({ keyId: 'k1' });
    racing = false;
    // …so the next one reads the store again and is refused.
    await expect(authenticate(request('s1'), 'read')).rejects.toMatchObject({ statusCode: 401 });

    await meta.createKey({ id: 'k2', project: 'p', scope: 'read', name: null, prefix: 'pk', createdAt: 1, hash: hashSecret('s2') });
    expect(await authenticate(request('s2'), 'read')).toMatchObject({ keyId: 'k2' });
    await meta.revokeKey('k2', 3);
    await expect(authenticate(request('s2'), 'read')).rejects.toMatchObject({ statusCode: 401 });
    unfollow();
    const generation = cache.generation;
    await meta.createKey({ id: 'k3', project: 'p', scope: 'read', name: null, prefix: 'pk', createdAt: 1, hash: hashSecret('s3') });
    await meta.revokeKey('k3', 4);
    expect(cache.generation).toBe(generation);
  });
});
