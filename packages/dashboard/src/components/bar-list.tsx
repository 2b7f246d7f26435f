export interface Bar {
  key: string;
  label: string;
  value: number;
  text: string;
}

/** Horizontal bars scaled to the largest value; label and figure are text. */
export function BarList({ bars, testid }: { bars: Bar[]; testid?: string }) {
  const max = Math.max(0, ...bars.map((b) => b.value));
  return (
    <ul class="bars" data-testid={testid}>
      {bars.map((b) => (
        <li key={b.key} data-row={b.key}>
          <span class="bar-label">{b.label}</span>
          <span class="bar-track" aria-hidden="true">
            <span class="bar-fill" style={{ width: `${max > 0 ? (b.value / max) * 100 : 0}%` }} />
          </span>
          <span class="bar-value" data-value={b.value}>
            {b.text}
          </span>
        </li>
      ))}
    </ul>
  );
}
