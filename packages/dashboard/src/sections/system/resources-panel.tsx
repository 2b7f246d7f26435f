import { ApiError, apiPath, getJson } from '../../api/client';
import type { SystemReport } from '../../api/types';
import { Loading, Panel } from '../../components/panel';
import { Stat, StatGrid } from '../../components/stat';
import { usePanelData } from '../../components/use-panel-data';
import { fmtBytes, fmtCount, fmtDateTime, fmtDec, fmtSpan } from '../../lib/format';
import type { Level } from '../../lib/thresholds';
import { LoadError } from './health-panel';

const gb = (v: number) => `${fmtDec(v)} GB`;
const when = (iso: string | null) => (iso ? fmtDateTime(Date.parse(iso)) : 'never');
const pctLevel = (v: number): Level => (v >= 90 ? 'crit' : v >= 75 ? 'warn' : 'good');

/**
 * The Pulse host and its store (`GET /api/system`, admin only): CPU, memory, disk of the data directory, network,
 * and the store's size, WAL, rows, queries per second, last checkpoint and backup.
 */
export function ResourcesPanel() {
  const p = usePanelData(async (ctx) => {
    ctx.record(apiPath('api/system'));
    try {
      return await getJson<SystemReport>('api/system', undefined, { signal: ctx.signal });
    } catch (err) {
      // A project's key (read or admin) may not see host and whole-store figures: say so rather than fail.
      if (err instanceof ApiError && err.status === 403) return 'forbidden' as const;
      throw err;
    }
  });
  const d = p.data;
  return (
    <Panel id="resources" title="Host resources and store health" wide state={p.state} source="/api/system: host now (CPU over the last 10 s), the store's files and counters.">
      {p.state === 'error' ? <LoadError error={p.error} /> : d === null ? <Loading /> : d === 'forbidden' ? (
        <p class="muted" data-testid="resources-admin-only">Host resources and store health are shown to the server's admin key (ANALYTICS_API_KEY) only: they span every project.</p>
      ) : <Resources d={d} />}
    </Panel>
  );
}

function Resources({ d }: { d: SystemReport }) {
  const { cpu, memory, disk, network, process: proc } = d.system_resources;
  const [engine, db] = Object.entries(d.database_health)[0] ?? ['store', null];
  return (
    <>
      <h3 class="sub">Host</h3>
      <StatGrid>
        <Stat id="sys-cpu" label="CPU" text={`${fmtDec(cpu.usage_percent)}%`} value={cpu.usage_percent} level={pctLevel(cpu.usage_percent)} hint={`${cpu.cores} cores · load ${cpu.load_average.map((l) => fmtDec(l)).join(' · ')}`} />
        <Stat id="sys-memory" label="Memory" text={`${fmtDec(memory.usage_percent)}%`} value={memory.usage_percent} level={pctLevel(memory.usage_percent)} hint={`${gb(memory.used_gb)} of ${gb(memory.total_gb)}`} />
        {disk ? (
          <Stat id="sys-disk" label="Disk (data dir)" text={`${fmtDec(disk.usage_percent)}%`} value={disk.usage_percent} level={pctLevel(disk.usage_percent)} hint={`${gb(disk.free_gb)} free`} />
        ) : (
          <Stat id="sys-disk" label="Disk (data dir)" text="—" hint="not available on this platform" />
        )}
        <Stat id="sys-network" label="Network" text={fmtBytes(network.bytes_received)} value={network.bytes_received} hint={`received · ${fmtBytes(network.bytes_sent)} sent · ${fmtCount(network.connections)} connections`} />
        <Stat id="host-rss" label="Server RSS" text={`${fmtDec(proc.rss_mb)} MB`} value={proc.rss_mb} hint={`heap ${fmtDec(proc.heap_used_mb)} MB · up ${fmtSpan(proc.uptime_seconds * 1000)}`} />
      </StatGrid>
      {db ? (
        <>
          <h3 class="sub">Event store</h3>
          <StatGrid>
            <Stat id="db-dialect" label="Engine" word text={engine} value={engine} hint={db.status} level={db.status === 'healthy' ? 'good' : db.status === 'degraded' ? 'warn' : db.status === 'unhealthy' ? 'crit' : 'none'} />
            <Stat id="db-rows" label="Events stored" text={fmtCount(db.rows)} value={db.rows} hint="all projects" />
            <Stat id="db-size" label="Size" text={fmtBytes(db.file_size_mb === null ? null : db.file_size_mb * 1024 * 1024)} value={db.file_size_mb} hint={db.wal_size_mb !== null ? `WAL ${fmtDec(db.wal_size_mb)} MB` : undefined} />
            <Stat id="db-qps" label="Queries / s" text={db.queries_per_second === null ? '—' : fmtDec(db.queries_per_second)} value={db.queries_per_second} hint={`${db.connections ?? '—'} connections`} />
            <Stat id="db-checkpoint" label="Last checkpoint" word text={when(db.last_checkpoint)} value={db.last_checkpoint} />
            <Stat id="db-backup" label="Last backup" word text={when(db.last_backup)} value={db.last_backup} hint="pulse backup --out FILE" />
          </StatGrid>
        </>
      ) : null}
    </>
  );
}
