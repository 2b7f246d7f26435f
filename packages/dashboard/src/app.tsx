import { useEffect, useState } from 'preact/hooks';
import type { FunctionComponent } from 'preact';
import { authStore, setKey } from './api/auth';
import { FilterBar } from './components/filter-bar';
import { KeyPrompt } from './components/key-prompt';
import { LiveBanner, LiveStatus } from './components/live-status';
import { Nav } from './components/nav';
import { RangePicker } from './components/range-picker';
import { resolveRange } from './components/use-panel-data';
import { fmtDateTime } from './lib/format';
import { AlertsSection } from './sections/alerts/alerts-section';
import { ExportsSection } from './sections/exports/exports-section';
import { HistorySection } from './sections/history/history-section';
import { OverviewSection } from './sections/overview/overview-section';
import { PerformanceSection } from './sections/performance/performance-section';
import { PersonasSection } from './sections/personas/personas-section';
import { SystemSection } from './sections/system/system-section';
import { UsersSection } from './sections/users/users-section';
import { startMetricsStream } from './state/live';
import { useStore } from './state/store';
import { themeStore, toggleTheme } from './state/theme';
import { SECTIONS, type SectionId } from './state/view';
import { refreshStore, viewStore } from './state/view-store';

const SECTION_VIEWS: Record<SectionId, FunctionComponent> = {
  overview: OverviewSection,
  performance: PerformanceSection,
  personas: PersonasSection,
  users: UsersSection,
  system: SystemSection,
  history: HistorySection,
  alerts: AlertsSection,
  exports: ExportsSection,
};

/** Sections without range-dependent data (nothing to filter yet). */
const NO_TOOLBAR = new Set<SectionId>(['alerts']);

export function App() {
  const view = useStore(viewStore);
  const auth = useStore(authStore);
  const theme = useStore(themeStore);
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => startMetricsStream(), []);

  const section = SECTIONS.find((s) => s.id === view.section)!;
  const Section = SECTION_VIEWS[view.section];
  return (
    <div class="app">
      <header class="topbar">
        <button
          type="button"
          class="menu-btn"
          aria-expanded={menuOpen}
          aria-controls="section-nav"
          data-testid="menu-button"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          <span aria-hidden="true">☰</span> <span class="sr-only">Sections</span>
        </button>
        <span class="brand">
          <svg viewBox="0 0 16 16" width="18" height="18" aria-hidden="true">
            <path d="M1 9h3l2-6 3 10 2-4h4" fill="none" stroke="currentColor" stroke-width="2" />
          </svg>
          Pulse
        </span>
        {view.project ? (
          <span class="project" data-testid="project">
            {view.project}
          </span>
        ) : null}
        <LiveStatus />
        <span class="top-actions">
          {auth.key ? (
            <button type="button" class="ghost" data-testid="forget-key" title="Remove the stored API key from this browser" onClick={() => setKey(null)}>
              Forget key
            </button>
          ) : null}
          <button type="button" class="ghost" data-testid="theme-toggle" aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`} onClick={toggleTheme}>
            {theme === 'dark' ? '☀' : '☾'}
          </button>
        </span>
      </header>
      <LiveBanner />
      <div class="layout">
        <nav id="section-nav" class={`sidenav${menuOpen ? ' open' : ''}`} aria-label="Sections">
          <Nav onPick={() => setMenuOpen(false)} />
        </nav>
        <main data-testid={`section-${view.section}`}>
          <h1 class="section-title">{section.label}</h1>
          {NO_TOOLBAR.has(view.section) ? null : (
            <div class="toolbar">
              <RangePicker />
              <FilterBar />
              <RangeLine />
            </div>
          )}
          <Section />
        </main>
      </div>
      <KeyPrompt />
    </div>
  );
}

/** The resolved range in words, so a shared link's reader knows exactly what they are looking at. */
function RangeLine() {
  const view = useStore(viewStore);
  const refresh = useStore(refreshStore);
  const r = resolveRange(view, refresh.nowMs);
  return (
    <p class="range-line" data-testid="range-line">
      {fmtDateTime(r.startMs)} → {r.relative ? 'now' : fmtDateTime(r.endMs)} · {r.interval} buckets (UTC)
      {r.relative ? '' : ' · fixed range, no live refresh'}
    </p>
  );
}
