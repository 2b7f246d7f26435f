import { useEffect, useState } from 'preact/hooks';
import { authStore } from '../api/auth';
import { runQuery, type QueryCtx } from '../api/query';
import { fmtInt } from '../lib/format';
import { useStore } from '../state/store';
import { FILTER_FIELDS, type FilterField, emptyFilters } from '../state/view';
import { navigate, refreshStore, viewStore } from '../state/view-store';
import { resolveRange } from './use-panel-data';

const LABELS: Record<FilterField, string> = { model: 'Model', persona: 'Persona', service: 'Service', channel: 'Channel', environment: 'Environment' };

type Options = Record<FilterField, Array<{ value: string; count: number }>>;

/**
 * One select per field; its options are the field's values in the current range, busiest first
 * (`/v1/query?dimensions=<field>&measures=count&order=-count&limit=50`). Picking adds the value to the
 * filter (several values of one field mean any of them); chips below remove them.
 */
export function FilterBar() {
  const view = useStore(viewStore);
  const refresh = useStore(refreshStore);
  const auth = useStore(authStore);
  const [options, setOptions] = useState<Options | null>(null);
  // Options follow the range but need not follow every live refresh: at most every 30 s.
  const tick = Math.floor(refresh.nowMs / 30_000);

  useEffect(() => {
    const abort = new AbortController();
    const range = resolveRange(view, refresh.nowMs);
    const ctx: QueryCtx = { ...range, filters: emptyFilters(), project: view.project, signal: abort.signal, record: () => {} };
    Promise.all(
      FILTER_FIELDS.map((f) => runQuery(ctx, { measures: ['count'], dimensions: [f], order: '-count', limit: 50 })),
    ).then(
      (results) => {
        const out = emptyFilters() as unknown as Options;
        FILTER_FIELDS.forEach((f, i) => {
          out[f] = results[i]!.filter((r) => typeof r[f] === 'string').map((r) => ({ value: String(r[f]), count: Number(r.count) }));
        });
        setOptions(out);
      },
      () => {},
    );
    return () => abort.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [view.range, view.start, view.end, view.project, auth.version, view.range === 'custom' ? 0 : tick]);

  const set = (field: FilterField, values: string[]) => navigate({ filters: { ...view.filters, [field]: values } });
  const chips = FILTER_FIELDS.flatMap((f) => view.filters[f].map((v) => ({ f, v })));

  return (
    <div class="filters" data-testid="filter-bar">
      <div class="filter-selects">
        {FILTER_FIELDS.map((f) => {
          const opts = (options?.[f] ?? []).filter((o) => !view.filters[f].includes(o.value));
          return (
            <label key={f} class="filter">
              <span class="sr-only">{LABELS[f]}</span>
              <select
                data-testid={`filter-${f}`}
                value=""
                disabled={options !== null && opts.length === 0}
                onChange={(e) => {
                  const v = e.currentTarget.value;
                  e.currentTarget.value = '';
                  if (v) set(f, [...view.filters[f], v]);
                }}
              >
                <option value="">{view.filters[f].length ? `${LABELS[f]} (+)` : `${LABELS[f]}: all`}</option>
                {opts.map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.value} ({fmtInt(o.count)})
                  </option>
                ))}
              </select>
            </label>
          );
        })}
      </div>
      {chips.length ? (
        <div class="chips" data-testid="filter-chips">
          {chips.map(({ f, v }) => (
            <button
              key={`${f}=${v}`}
              type="button"
              class="chip"
              data-field={f}
              data-value={v}
              title={`Remove the ${f} filter ${v}`}
              onClick={() => set(f, view.filters[f].filter((x) => x !== v))}
            >
              <span class="chip-field">{LABELS[f]}:</span> <span class="chip-value">{v}</span> <span aria-hidden="true">×</span>
            </button>
          ))}
          <button type="button" class="link" data-testid="filter-clear" onClick={() => navigate({ filters: emptyFilters() })}>
            Clear all
          </button>
        </div>
      ) : null}
    </div>
  );
}
