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

/** A table that scrolls inside its own box on a narrow screen. */
export function DataTable<R>({ columns, rows, rowKey, testid }: { columns: Column<R>[]; rows: R[]; rowKey: (r: R, i: number) => string; testid?: string }) {
  return (
    <div class="table-wrap" tabIndex={0}>
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
                <td key={c.key} class={[c.numeric && 'num', c.wrap && 'wrap'].filter(Boolean).join(' ') || undefined} data-col={c.key}>
                  {c.render(r)}
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
