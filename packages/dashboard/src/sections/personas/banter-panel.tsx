import { Body, Panel } from '../../components/panel';
import { Stat, StatGrid } from '../../components/stat';
import { usePanelData } from '../../components/use-panel-data';
import { runPreset } from '../../api/query';
import type { BanterAnswer } from '../../api/analytics';
import { DASH, fmtDec, fmtPct } from '../../lib/format';

/** `/api/analytics/banter`: seed 001's banter analysis. */
export function BanterPanel() {
  const p = usePanelData((ctx) => runPreset<BanterAnswer>(ctx, 'api/analytics/banter'));
  return (
    <Panel id="banter" title="Banter" data={p} source="/api/analytics/banter — persona-to-persona exchanges (interaction events named banter).">
      <Body data={p.data} empty={(d) => d.meta.exchanges === 0}>
        {(d) => {
          const b = d.banter_analytics;
          const s = b.sentiment_impact;
          return (
            <StatGrid>
              <Stat id="banter-daily" label="Exchanges per day" text={fmtDec(b.daily_banter_exchanges)} value={b.daily_banter_exchanges} />
              <Stat id="banter-success" label="Led to more conversation" text={fmtPct(b.success_rate)} value={b.success_rate} />
              <Stat id="banter-length" label="Messages per exchange" text={fmtDec(b.avg_exchange_length)} value={b.avg_exchange_length} />
              <Stat id="banter-positive" label="Positive exchanges" text={s ? fmtPct(s.positive_exchanges) : DASH} value={s?.positive_exchanges ?? null} hint={s ? `${fmtPct(s.neutral_exchanges)} neutral · ${fmtPct(s.negative_exchanges)} negative` : undefined} />
              <Stat id="banter-topics" label="Popular topics" text={b.popular_topics.length > 0 ? b.popular_topics.join(', ') : DASH} value={b.popular_topics.join(',')} word span />
            </StatGrid>
          );
        }}
      </Body>
    </Panel>
  );
}
