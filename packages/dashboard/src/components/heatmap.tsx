import { fmtInt } from '../lib/format';

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** `cells[weekday - 1][hour]`: ISO weekday 1 = Monday, UTC hour 0–23 (the query API's `weekday` and `hour_of_day`). */
export function Heatmap({ cells, unit, testid }: { cells: number[][]; unit: string; testid?: string }) {
  const max = Math.max(0, ...cells.flat());
  return (
    <div class="table-wrap heatmap-wrap">
      <table class="heatmap" data-testid={testid}>
        <thead>
          <tr>
            <th scope="col">
              <span class="sr-only">Day</span>
            </th>
            {Array.from({ length: 24 }, (_, h) => (
              <th key={h} scope="col" class="hm-hour">
                {h % 3 === 0 ? String(h).padStart(2, '0') : ''}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {DAYS.map((day, d) => (
            <tr key={day}>
              <th scope="row">{day}</th>
              {Array.from({ length: 24 }, (_, h) => {
                const v = cells[d]?.[h] ?? 0;
                const pct = max > 0 ? Math.round((v / max) * 100) : 0;
                const label = `${day} ${String(h).padStart(2, '0')}:00 UTC: ${fmtInt(v)} ${unit}`;
                return (
                  <td
                    key={h}
                    class="hm-cell"
                    title={label}
                    aria-label={label}
                    data-day={d + 1}
                    data-hour={h}
                    data-value={v}
                    style={{ background: v > 0 ? `color-mix(in srgb, var(--accent) ${Math.max(8, pct)}%, transparent)` : undefined }}
                  />
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export const dayName = (isoWeekday: number): string => DAYS[isoWeekday - 1] ?? '?';
