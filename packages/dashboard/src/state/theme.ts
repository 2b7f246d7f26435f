import { createStore, storage } from './store';

export type Theme = 'light' | 'dark';
const KEY = 'pulse.theme';

const media = window.matchMedia('(prefers-color-scheme: dark)');
const stored = (): Theme | null => {
  const v = storage.get(KEY);
  return v === 'light' || v === 'dark' ? v : null;
};

/** The effective theme: the toggle's choice if made, else the system's preference. */
export const themeStore = createStore<Theme>(stored() ?? (media.matches ? 'dark' : 'light'));

function apply(t: Theme): void {
  document.documentElement.dataset.theme = t;
}
apply(themeStore.get());
themeStore.subscribe(apply);

media.addEventListener('change', (e) => {
  if (stored() === null) themeStore.set(e.matches ? 'dark' : 'light');
});

export function toggleTheme(): void {
  const next: Theme = themeStore.get() === 'dark' ? 'light' : 'dark';
  storage.set(KEY, next);
  themeStore.set(next);
}
