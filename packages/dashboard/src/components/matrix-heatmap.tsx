import { DASH } from '../lib/format';

export interface MatrixCell {
  /** Drives the colour; null leaves the cell blank. */
  value: number | null;
  /** Shown in the cell. */
  text: string;
  /** Tooltip and accessible label. */
  label: string;
}

/**
 * A square matrix (rows × columns of the same names) coloured by value on a fixed 0…`max` scale, e.g.
 * persona affinity 0–100. The diagonal and missing pairs are blank. Values are text too, not colour alone.
 */
export function MatrixHeatmap({ names, cell, max, testid }: { names: string[]; cell: (row: string, col: string) => MatrixCell | null; max: number; testid?: string }) {
  return (
    <div class="table-wrap matrix-wrap" tabIndex={0}>
      <table class="matrix" data-testid={testid}>
        <thead>
          <tr>
            <th scope="col">
              <span class="sr-only">From</span>
            </th>
            {names.map((n) => (
              <th key={n} scope="col">
                {n}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {names.map((row) => (
            <tr key={row}>
              <th scope="row">{row}</th>
              {names.map((col) => {
                const c = row === col ? null : cell(row, col);
                const pct = c?.value != null ? Math.round(Math.min(1, Math.max(0, c.value / max)) * 100) : 0;
                return (
                  <td
                    key={col}
                    class="mx-cell"
                    data-row={row}
                    data-col={col}
                    data-value={c?.value ?? ''}
                    title={c?.label}
                    aria-label={c?.label ?? `${row} – ${col}: none`}
                    style={{ background: c?.value != null ? `color-mix(in srgb, var(--accent) ${Math.max(8, pct)}%, transparent)` : undefined }}
                  >
                    {c ? c.text : row === col ? '' : DASH}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
