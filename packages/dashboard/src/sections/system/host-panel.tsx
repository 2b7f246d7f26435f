import { Loading, Panel } from '../../components/panel';
import { Stat, StatGrid } from '../../components/stat';
import { usePanelData } from '../../components/use-panel-data';
import { runPreset } from '../../api/query';
import type { PerformanceMetrics } from '../../api/types';
import { fmtBytes, fmtDateTime, fmtDec, fmtCount, fmtSpan } from '../../lib/format';

const gb = (v: number) => `${fmtDec(v)} GB`;

/**
 * The Pulse host and its event store (`/v1/analytics/performance/metrics` → `system`, `database`), and
 * throughput over the range. Host figures are the present moment, not the range.
 */
export function HostPanel() {
  const p = usePanelData((ctx) => runPreset<PerformanceMetrics>(ctx, 'v1/analytics/performance/metrics'));
  const d = p.data;
  return (
    <Panel
      id="host"
      title="Pulse host and store"
      wide
      data={p}
      source="/v1/analytics/performance/metrics: system (this server's host, now), database (the whole store, all projects), throughput (range and filters)."
    >
      {!d ? (
        <Loading />
      ) : (
        <>
          {d.system && d.database ? <HostStats system={d.system} database={d.database} /> : (
            <p class="muted" id="host-admin-only">Host resources and store size are shown to admin keys only (they span every project).</p>
          )}
          <h3 class="sub">Throughput in range</h3>
          <StatGrid>
            <Stat id="tp-avg" label="Events / min" text={fmtDec(d.throughput.events_per_minute)} value={d.throughput.events_per_minute} />
            <Stat
              id="tp-peak"
              label="Peak events / min"
              text={fmtCount(d.throughput.peak_events_per_minute)}
              value={d.throughput.peak_events_per_minute}
              hint={d.throughput.peak_minute ? fmtDateTime(Date.parse(d.throughput.peak_minute)) : 'no events'}
            />
          </StatGrid>
        </>
      )}
    </Panel>
  );
}

type Metrics = PerformanceMetrics;

function HostStats({ system, database }: { system: NonNullable<Metrics['system']>; database: NonNullable<Metrics['database']> }) {
  return (
    <>
      <h3 class="sub">Host</h3>
      <StatGrid>
        <Stat id="host-cpu" label="CPU cores" text={fmtCount(system.cpu.cores)} value={system.cpu.cores} hint={`load ${system.cpu.load_average.map((l) => fmtDec(l)).join(' · ')}`} />
        <Stat id="host-memory" label="Memory used" text={`${fmtDec(system.memory.usage_percent)}%`} value={system.memory.usage_percent} hint={`${gb(system.memory.used_gb)} of ${gb(system.memory.total_gb)}`} />
        {system.disk ? (
          <Stat id="host-disk" label="Disk used" text={`${fmtDec(system.disk.usage_percent)}%`} value={system.disk.usage_percent} hint={`${gb(system.disk.free_gb)} free (data dir)`} />
        ) : (
          <Stat id="host-disk" label="Disk used" text="—" hint="not available on this platform" />
        )}
        <Stat id="host-rss" label="Server RSS" text={`${fmtDec(system.process.rss_mb)} MB`} value={system.process.rss_mb} hint={`heap ${fmtDec(system.process.heap_used_mb)} MB`} />
        <Stat id="host-uptime" label="Server uptime" text={fmtSpan(system.process.uptime_seconds * 1000)} value={system.process.uptime_seconds} />
      </StatGrid>
      <h3 class="sub">Event store</h3>
      <StatGrid>
        <Stat id="db-dialect" label="Engine" word text={database.dialect} value={database.dialect} />
        <Stat id="db-events" label="Events stored" text={fmtCount(database.events)} value={database.events} />
        <Stat id="db-bytes" label="Size" text={fmtBytes(database.bytes)} value={database.bytes} hint={database.bytes_per_event != null ? `${fmtDec(database.bytes_per_event)} bytes / event` : undefined} />
      </StatGrid>
    </>
  );
}
