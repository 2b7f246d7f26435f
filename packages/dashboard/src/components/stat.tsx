import type { ComponentChildren } from 'preact';
import { LEVEL_TEXT, type Level } from '../lib/thresholds';

interface StatProps {
  id: string;
  label: string;
  /** The formatted figure. */
  text: string;
  /** The raw value, for tests and for anyone inspecting the page. */
  value?: number | string | null;
  level?: Level;
  hint?: ComponentChildren;
  /** A word rather than a figure (status, trend): set smaller. */
  word?: boolean;
  /** Two grid cells wide, for a figure with a longer explanation. */
  span?: boolean;
}

/** One figure with its label; a coloured band (with its name, not colour alone) when it has thresholds. */
export function Stat({ id, label, text, value, level, hint, word, span }: StatProps) {
  return (
    <div class={`stat${level ? ` lvl-${level}` : ''}${span ? ' span2' : ''}`} data-testid={`stat-${id}`} data-value={value ?? ''} data-level={level}>
      <div class="stat-label">{label}</div>
      <div class={`stat-value${word ? ' word' : ''}`} data-testid={`stat-${id}-text`} title={typeof value === 'number' ? value.toLocaleString('en-US') : text}>
        {text}
      </div>
      {level && level !== 'none' ? <div class="stat-level">{LEVEL_TEXT[level]}</div> : null}
      {hint ? <div class="stat-hint">{hint}</div> : null}
    </div>
  );
}

export function StatGrid({ children }: { children: ComponentChildren }) {
  return <div class="stats">{children}</div>;
}
