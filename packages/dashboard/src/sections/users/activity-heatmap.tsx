import { useState } from 'preact/hooks';
import { dayName, Heatmap } from '../../components/heatmap';
import { Body, Panel } from '../../components/panel';
import { usePanelData } from '../../components/use-panel-data';
import { n0, runQuery } from '../../api/query';
import { fmtInt } from '../../lib/format';

type Scope = 'message' | 'all';

/** Hour of day × day of week (UTC): `/v1/query?dimensions=weekday,hour_of_day&measures=count`. */
export function ActivityHeatmap() {
  const [scope, setScope] = useState<Scope>('message');
  const p = usePanelData(
    async (ctx) => {
      const rows = await runQuery(ctx, {
        measures: ['count'],
        dimensions: ['weekday', 'hour_of_day'],
        where: scope === 'message' ? { type: 'message' } : {},
        limit: 200,
      });
      const cells = Array.from({ length: 7 }, () => Array<number>(24).fill(0));
      let total = 0;
      let busiest: { d: number; h: number; v: number } | null = null;
      for (const r of rows) {
        const d = Number(r.weekday);
        const h = Number(r.hour_of_day);
        const v = n0(r, 'count');
        if (d < 1 || d > 7 || h < 0 || h > 23) continue;
        cells[d - 1]![h] = v;
        total += v;
        if (!busiest || v > busiest.v) busiest = { d, h, v };
      }
      return { cells, total, busiest };
    },
    [scope],
  );
  const unit = scope === 'message' ? 'messages' : 'events';
  return (
    <Panel
      id="heatmap"
      title="Activity by hour and weekday"
      wide
      data={p}
      actions={
        <div class="seg small" role="group" aria-label="Count">
          <button type="button" aria-pressed={scope === 'message'} data-testid="heatmap-messages" onClick={() => setScope('message')}>
            Messages
          </button>
          <button type="button" aria-pressed={scope === 'all'} data-testid="heatmap-all" onClick={() => setScope('all')}>
            All events
          </button>
        </div>
      }
      source={`/v1/query dimensions=weekday,hour_of_day, count${scope === 'message' ? ' of type=message' : ''}. Hours are UTC.`}
    >
      <Body data={p.data} empty={(d) => d.total === 0}>
        {(d) => (
          <>
            {d.busiest ? (
              <p class="note" data-testid="heatmap-busiest">
                Busiest: {dayName(d.busiest.d)} {String(d.busiest.h).padStart(2, '0')}:00 UTC, {fmtInt(d.busiest.v)} {unit} ({fmtInt(d.total)} in all)
              </p>
            ) : null}
            <Heatmap testid="heatmap-table" cells={d.cells} unit={unit} />
          </>
        )}
      </Body>
    </Panel>
  );
}
