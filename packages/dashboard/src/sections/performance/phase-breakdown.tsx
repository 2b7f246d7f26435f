import { BarList } from '../../components/bar-list';
import { Body, Panel } from '../../components/panel';
import { usePanelData } from '../../components/use-panel-data';
import { n, n0, runQuery } from '../../api/query';
import { fmtInt, fmtMs } from '../../lib/format';

/**
 * Where response time goes (seed 001's breakdown): the mean of each phase over the events that recorded
 * it (`/v1/query?dimensions=phase&measures=avg_phase_ms,count`).
 */
export function PhaseBreakdown() {
  const p = usePanelData((ctx) =>
    runQuery(ctx, { measures: ['avg_phase_ms', 'count'], dimensions: ['phase'], order: '-avg_phase_ms', limit: 50 }),
  );
  return (
    <Panel id="phases" title="Response time breakdown" data={p} source="/v1/query dimensions=phase: mean milliseconds per phase, over the events that recorded that phase (their count beside it).">
      <Body data={p.data} empty={(rows) => rows.length === 0} emptyText="No event in this range recorded response-time phases">
        {(rows) => (
          <BarList
            testid="phase-bars"
            bars={rows.map((r) => ({
              key: String(r.phase),
              label: String(r.phase),
              value: n0(r, 'avg_phase_ms'),
              text: `${fmtMs(n(r, 'avg_phase_ms'))} · ${fmtInt(n(r, 'count'))}`,
            }))}
          />
        )}
      </Body>
    </Panel>
  );
}
