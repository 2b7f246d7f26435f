import type { ComponentChildren } from 'preact';

export interface Column<R> {
  key: string;
  label: string;
  /** Cell content: always text or elements, never HTML. */
  render: (row: R) => ComponentChildren;
  numeric?: boolean;
  /** Long content wraps onto more lines (at the spaces its pieces leave) instead of widening the table. */
  wrap?: boolean;
}

/**
 * A table that scrolls inside its own box on a narrow screen — or, with `stack`, shows each row as a card of
 * "label  value" lines on a phone-width screen, so no column (a job's status, say) sits off-screen.
 */
export function DataTable<R>({ columns, rows, rowKey, testid, stack }: { columns: Column<R>[]; rows: R[]; rowKey: (r: R, i: number) => string; testid?: string; stack?: boolean }) {
  return (
    <div class={stack ? 'table-wrap table-stack' : 'table-wrap'} tabIndex={0}>
      <table data-testid={testid}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.key} class={c.numeric ? 'num' : undefined} scope="col">
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={rowKey(r, i)} data-row={rowKey(r, i)}>
              {columns.map((c) => (
                <td key={c.key} class={[c.numeric && 'num', c.wrap && 'wrap'].filter(Boolean).join(' ') || undefined} data-col={c.key} data-label={stack && c.label ? c.label : undefined}>
                  {/* Stacked, the cell is a flex line of label and value: the value is one piece that wraps inside. */}
                  {stack ? <span class="cell-value">{c.render(r)}</span> : c.render(r)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A dimension value as text; events without the field show a muted placeholder. */
export function Dim({ value, none = '(none)' }: { value: unknown; none?: string }) {
  if (value === null || value === undefined || value === '') return <span class="muted">{none}</span>;
  // The title shows the whole value where the cell cuts it short.
  return <span title={String(value)}>{String(value)}</span>;
}
