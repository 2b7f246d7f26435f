import { Loading, Panel } from '../../components/panel';
import { Stat, StatGrid } from '../../components/stat';
import { usePanelData } from '../../components/use-panel-data';
import { runPreset } from '../../api/query';
import type { PerformanceMetrics } from '../../api/types';
import { fmtDateTime, fmtRate, fmtCount } from '../../lib/format';

/**
 * Throughput over the range (`/v1/analytics/performance/metrics` → `throughput`). The host and the store are the
 * Resources panel's (`/api/system`, admin only).
 */
export function HostPanel() {
  const p = usePanelData((ctx) => runPreset<PerformanceMetrics>(ctx, 'v1/analytics/performance/metrics'));
  const d = p.data;
  return (
    <Panel id="host" title="Throughput" data={p} source="/v1/analytics/performance/metrics: throughput (range and filters).">
      {!d ? (
        <Loading />
      ) : (
        <StatGrid>
          <Stat id="tp-avg" label="Events / min" text={fmtRate(d.throughput.events_per_minute)} value={d.throughput.events_per_minute} />
          <Stat
            id="tp-peak"
            label="Peak events / min"
            text={d.throughput.peak_events_per_minute === null ? '—' : fmtCount(d.throughput.peak_events_per_minute)}
            value={d.throughput.peak_events_per_minute}
            hint={d.throughput.peak_minute ? fmtDateTime(Date.parse(d.throughput.peak_minute)) : d.throughput.peak_events_per_minute === null ? 'minutes past retention' : 'no events'}
          />
        </StatGrid>
      )}
    </Panel>
  );
}
