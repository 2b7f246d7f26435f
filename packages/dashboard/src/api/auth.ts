import { createStore, storage } from '../state/store';

/**
 * The API key (CONTRACT §3). `?api_key=` in the page URL is taken once, kept in localStorage and removed
 * from the address bar, so it does not linger in history, bookmarks or shared links.
 */
const KEY = 'pulse.apiKey';

export interface AuthState {
  key: string | null;
  /** The server answered 401: the prompt is shown. */
  needKey: boolean;
  /** Why the prompt is shown (the server's message), if known. */
  reason: string | null;
  /** Bumped whenever the key changes, so panels and sockets start over with it. */
  version: number;
  /**
   * The server accepted this key (or needs none): a REST call succeeded with it. The live sockets wait
   * for this, so a page without a valid key does not knock on the WebSockets in vain.
   */
  accepted: boolean;
}

export const authStore = createStore<AuthState>({ key: storage.get(KEY), needKey: false, reason: null, version: 0, accepted: false });

export function takeKeyFromUrl(): void {
  const url = new URL(location.href);
  const k = url.searchParams.get('api_key');
  if (k === null) return;
  url.searchParams.delete('api_key');
  history.replaceState(history.state, '', `${url.pathname}${url.search}${url.hash}`);
  if (k.trim()) setKey(k.trim());
}

export function setKey(key: string | null): void {
  storage.set(KEY, key);
  authStore.set((a) => ({ key, needKey: false, reason: null, version: a.version + 1, accepted: false }));
}

export function keyAccepted(key: string | null): void {
  const a = authStore.get();
  if (!a.accepted && key === a.key) authStore.set({ ...a, accepted: true });
}

export function requireKey(reason: string): void {
  authStore.set((a) => (a.needKey ? a : { ...a, needKey: true, reason, accepted: false }));
}
