/** The MetaStore contract: keys and projects behave the same on every implementation. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiKeyRecord, MetaStore } from '../types.js';

export interface MetaStoreFixture {
  meta: MetaStore;
  /** Closes `meta` and opens a new one over the same data; returns it. */
  reopen(): Promise<MetaStore>;
  cleanup(): Promise<void>;
}

type NewKey = Omit<ApiKeyRecord, 'revokedAt'> & { hash: string };

function newKey(id: string, overrides: Partial<NewKey> = {}): NewKey {
  return { id, project: 'p1', scope: 'ingest', name: null, prefix: `pk_${id}`, createdAt: 1_000, hash: `hash-${id}`, ...overrides };
}

function record(key: NewKey, revokedAt: number | null = null): ApiKeyRecord {
  const { hash: _hash, ...rest } = key;
  return { ...rest, revokedAt };
}

export function metaStoreContract(name: string, factory: () => Promise<MetaStoreFixture>): void {
  describe(`MetaStore contract: ${name}`, () => {
    let fixture: MetaStoreFixture;
    let meta: MetaStore;

    beforeEach(async () => {
      fixture = await factory();
      meta = fixture.meta;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('creates keys and lists them by project, oldest first, without their hashes', async () => {
      const a = newKey('a', { createdAt: 3_000, name: 'bot', scope: 'read' });
      const b = newKey('b', { createdAt: 1_000 });
      const c = newKey('c', { project: 'p2', createdAt: 2_000, scope: 'admin' });
      for (const k of [a, b, c]) await meta.createKey(k);
      expect(await meta.listKeys('p1')).toEqual([record(b), record(a)]);
      expect(await meta.listKeys('p2')).toEqual([record(c)]);
      expect(await meta.listKeys('nobody')).toEqual([]);
      expect(await meta.listKeys()).toEqual([record(b), record(c), record(a)]);
    });

    it('finds an active key by its hash only', async () => {
      const a = newKey('a', { name: 'ingest key' });
      await meta.createKey(a);
      expect(await meta.findKeyByHash('hash-a')).toEqual(record(a));
      expect(await meta.findKeyByHash('hash-unknown')).toBeNull();
      expect(await meta.findKeyByHash('a')).toBeNull();
      expect(await meta.findKeyByHash("' OR '1'='1")).toBeNull();
    });

    it('revokes a key once; a revoked key is listed but no longer found', async () => {
      const a = newKey('a');
      await meta.createKey(a);
      await meta.createKey(newKey('b'));
      expect(await meta.revokeKey('a', 5_000)).toBe(true);
      expect(await meta.revokeKey('a', 6_000)).toBe(false);
      expect(await meta.revokeKey('missing', 6_000)).toBe(false);
      expect(await meta.findKeyByHash('hash-a')).toBeNull();
      expect(await meta.findKeyByHash('hash-b')).not.toBeNull();
      expect((await meta.listKeys('p1'))[0]).toEqual(record(a, 5_000));
    });

    it('refuses a second key with the same id or the same hash', async () => {
      await meta.createKey(newKey('a'));
      await expect(meta.createKey(newKey('a', { hash: 'other' }))).rejects.toThrow();
      await expect(meta.createKey(newKey('z', { hash: 'hash-a' }))).rejects.toThrow();
      expect(await meta.listKeys()).toHaveLength(1);
    });

    it('upserts and lists projects, keeping the creation time of an existing one', async () => {
      expect(await meta.getProject('default')).toBeNull();
      await meta.upsertProject({ name: 'default', createdAt: 1_000, storeText: false });
      await meta.upsertProject({ name: 'alpha', createdAt: 2_000, storeText: true });
      expect(await meta.getProject('default')).toEqual({ name: 'default', createdAt: 1_000, storeText: false });
      await meta.upsertProject({ name: 'default', createdAt: 9_000, storeText: true });
      expect(await meta.getProject('default')).toEqual({ name: 'default', createdAt: 1_000, storeText: true });
      expect(await meta.listProjects()).toEqual([
        { name: 'alpha', createdAt: 2_000, storeText: true },
        { name: 'default', createdAt: 1_000, storeText: true },
      ]);
    });

    it('tells key-change listeners of a revocation (not of a refused one), until they unsubscribe', async () => {
      if (meta.onKeysChanged === undefined) return;
      await meta.createKey(newKey('a'));
      await meta.createKey(newKey('b'));
      let heard = 0;
      const off = meta.onKeysChanged(() => heard++);
      expect(await meta.revokeKey('missing', 5_000)).toBe(false);
      expect(heard).toBe(0);
      expect(await meta.revokeKey('a', 5_000)).toBe(true);
      expect(heard).toBeGreaterThanOrEqual(1); // at once, in the revoking process
      off();
      const before = heard;
      await meta.revokeKey('b', 6_000);
      expect(heard).toBe(before);
    });

    it('keeps keys and projects across a reopen', async () => {
      const a = newKey('a', { createdAt: 1_700_000_000_123 });
      await meta.createKey(a);
      await meta.revokeKey('a', 1_700_000_000_456);
      await meta.createKey(newKey('b'));
      await meta.upsertProject({ name: 'default', createdAt: 1_700_000_000_789, storeText: true });
      meta = await fixture.reopen();
      expect(await meta.listKeys('p1')).toEqual([record(newKey('b')), record(a, 1_700_000_000_456)]);
      expect(await meta.findKeyByHash('hash-b')).not.toBeNull();
      expect(await meta.getProject('default')).toEqual({ name: 'default', createdAt: 1_700_000_000_789, storeText: true });
    });
  });
}
