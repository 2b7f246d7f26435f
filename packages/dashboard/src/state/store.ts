import { useEffect, useState } from 'preact/hooks';

/** A tiny observable value: the app's few pieces of shared state (view, auth, live feed, refresh clock). */
export interface Store<T> {
  get(): T;
  set(next: T | ((prev: T) => T)): void;
  subscribe(fn: (value: T) => void): () => void;
}

export function createStore<T>(initial: T): Store<T> {
  let value = initial;
  const subs = new Set<(value: T) => void>();
  return {
    get: () => value,
    set(next) {
      const v = typeof next === 'function' ? (next as (prev: T) => T)(value) : next;
      if (Object.is(v, value)) return;
      value = v;
      for (const fn of [...subs]) fn(value);
    },
    subscribe(fn) {
      subs.add(fn);
      return () => subs.delete(fn);
    },
  };
}

export function useStore<T>(store: Store<T>): T {
  const [, force] = useState(0);
  useEffect(() => {
    // Re-render on change; also catch a change between the first render and this subscription.
    let seen = store.get();
    const check = (v: T) => {
      if (!Object.is(v, seen)) {
        seen = v;
        force((n) => n + 1);
      }
    };
    check(store.get());
    return store.subscribe(check);
  }, [store]);
  return store.get();
}

/** localStorage that survives being unavailable (private mode, blocked storage). */
export const storage = {
  get(key: string): string | null {
    try {
      return localStorage.getItem(key);
    } catch {
      return null;
    }
  },
  set(key: string, value: string | null): void {
    try {
      if (value === null) localStorage.removeItem(key);
      else localStorage.setItem(key, value);
    } catch {
      // Storage blocked: the value lives for this page only.
    }
  },
};
