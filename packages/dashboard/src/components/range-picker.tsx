import { useState } from 'preact/hooks';
import { fmtDateTime } from '../lib/format';
import { RELATIVE_RANGES, rfc3339, toLocalInput } from '../lib/time';
import { useStore } from '../state/store';
import { navigate, viewStore } from '../state/view-store';
import { resolveRange } from './use-panel-data';

/** 15m · 1h · 24h · 7d · 30d · 90d · 1y, or a custom start and end (local time in the inputs, UTC in the URL). */
export function RangePicker() {
  const view = useStore(viewStore);
  const [open, setOpen] = useState(false);
  const [start, setStart] = useState('');
  const [end, setEnd] = useState('');
  const [error, setError] = useState<string | null>(null);

  const apply = (e: Event) => {
    e.preventDefault();
    const s = Date.parse(start);
    const en = Date.parse(end);
    if (!Number.isFinite(s) || !Number.isFinite(en)) return setError('Enter both a start and an end.');
    if (en <= s) return setError('The end must be after the start.');
    setError(null);
    setOpen(false);
    navigate({ range: 'custom', start: rfc3339(s), end: rfc3339(en) });
  };

  // The form opens on the range shown (90 days on History, the fixed bounds of a custom range …).
  const toggleCustom = () => {
    if (!open) {
      const shown = resolveRange(view, Date.now());
      setStart(toLocalInput(shown.startMs));
      setEnd(toLocalInput(shown.endMs));
      setError(null);
    }
    setOpen(!open);
  };

  return (
    <div class="range" data-testid="range-picker">
      <div class="seg" role="group" aria-label="Time range">
        {RELATIVE_RANGES.map((r) => (
          <button
            key={r.id}
            type="button"
            data-testid={`range-${r.id}`}
            aria-pressed={view.range === r.id}
            onClick={() => {
              setOpen(false);
              navigate({ range: r.id, start: null, end: null });
            }}
          >
            {r.label}
          </button>
        ))}
        <button type="button" data-testid="range-custom" aria-pressed={view.range === 'custom'} aria-expanded={open} onClick={toggleCustom}>
          Custom
        </button>
      </div>
      {view.range === 'custom' && view.start && view.end && !open ? (
        <span class="range-label" data-testid="range-label">
          {fmtDateTime(Date.parse(view.start))} → {fmtDateTime(Date.parse(view.end))}
        </span>
      ) : null}
      {open ? (
        <form class="custom-range" onSubmit={apply}>
          <label>
            From
            <input type="datetime-local" data-testid="range-start" value={start} onInput={(e) => setStart(e.currentTarget.value)} required />
          </label>
          <label>
            To
            <input type="datetime-local" data-testid="range-end" value={end} onInput={(e) => setEnd(e.currentTarget.value)} required />
          </label>
          <button type="submit" class="primary" data-testid="range-apply">
            Apply
          </button>
          {error ? <span class="form-error" role="alert">{error}</span> : null}
        </form>
      ) : null}
    </div>
  );
}
