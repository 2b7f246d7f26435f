import { createStore } from './store';
import { parseView, type View, viewToSearch } from './view';

export const viewStore = createStore<View>(parseView(location.search));

/**
 * The refresh clock: every panel fetches for `epoch` with the range ending at `nowMs`, so one refresh
 * shows one consistent moment across panels.
 */
export const refreshStore = createStore({ epoch: 0, nowMs: Date.now() });

export function refreshNow(): void {
  refreshStore.set((r) => ({ epoch: r.epoch + 1, nowMs: Date.now() }));
}

/** Changes the view and the address bar together (a new history entry unless `replace`). */
export function navigate(patch: Partial<View>, opts: { replace?: boolean } = {}): void {
  const next: View = { ...viewStore.get(), ...patch };
  const url = `${location.pathname}${viewToSearch(next)}${location.hash}`;
  if (opts.replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  viewStore.set(next);
  refreshNow();
}

window.addEventListener('popstate', () => {
  viewStore.set(parseView(location.search));
  refreshNow();
});
