import { MatrixHeatmap } from '../../components/matrix-heatmap';
import { Body, Panel } from '../../components/panel';
import { Stat, StatGrid } from '../../components/stat';
import { usePanelData } from '../../components/use-panel-data';
import { runPreset } from '../../api/query';
import type { RelationshipsAnswer } from '../../api/analytics';
import { DASH, fmtDec, fmtInt } from '../../lib/format';

/** `/api/analytics/personas/relationships`: persona × persona affinity (0–100) as a heatmap, with stage and exchanges. */
export function RelationshipMatrix() {
  const p = usePanelData((ctx) => runPreset<RelationshipsAnswer>(ctx, 'api/analytics/personas/relationships'));
  return (
    <Panel id="relationships" title="Persona relationships" wide data={p} source="/api/analytics/personas/relationships — latest affinity of each pair (banter interactions), stage, exchanges.">
      <Body data={p.data} empty={(d) => Object.keys(d.persona_relationships.relationship_matrix).length === 0}>
        {(d) => {
          const m = d.persona_relationships.relationship_matrix;
          const a = d.persona_relationships.analytics;
          const names = Object.keys(m).sort();
          return (
            <>
              <StatGrid>
                <Stat id="rel-interactions" label="Exchanges" text={fmtInt(a.total_interactions)} value={a.total_interactions} />
                <Stat id="rel-affinity" label="Average affinity" text={fmtDec(a.avg_affinity)} value={a.avg_affinity} />
                <Stat id="rel-trend" label="Trend" text={a.relationship_trends ?? DASH} value={a.relationship_trends} word />
                <Stat id="rel-pair" label="Most active pair" text={a.most_active_pair ? a.most_active_pair.join(' & ') : DASH} value={a.most_active_pair?.join(',') ?? null} word />
              </StatGrid>
              <MatrixHeatmap
                testid="relationship-matrix"
                names={names}
                max={100}
                cell={(row, col) => {
                  const c = m[row]?.[col];
                  if (!c) return null;
                  const text = c.affinity === null ? DASH : fmtDec(c.affinity);
                  return { value: c.affinity, text, label: `${row} – ${col}: affinity ${text}, ${c.stage ?? 'no stage'}, ${c.interactions} exchanges` };
                }}
              />
            </>
          );
        }}
      </Body>
    </Panel>
  );
}
