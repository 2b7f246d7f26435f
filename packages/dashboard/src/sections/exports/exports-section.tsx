import { useEffect, useState } from 'preact/hooks';
import { getJson } from '../../api/client';
import { usePanelData } from '../../components/use-panel-data';
import { ExportList } from './export-list';
import type { ExportJob } from './export-types';
import { NewExport } from './new-export';

/** Exports (seed 004): create one for the current range and filters, follow it, download it. */
export function ExportsSection() {
  // Bumped after a create and while a job is unfinished, so the list follows its progress.
  const [tick, setTick] = useState(0);
  const list = usePanelData((ctx) => {
    const q = new URLSearchParams();
    if (ctx.project) q.set('project', ctx.project);
    ctx.record(`/v1/analytics/exports${q.size ? `?${q}` : ''}`);
    return getJson<{ exports: ExportJob[] }>('v1/analytics/exports', q, { signal: ctx.signal });
  }, [tick]);
  const unfinished = list.data?.exports.some((j) => j.status === 'queued' || j.status === 'running') ?? false;
  // A second after each answer — or each failed poll (a busy store, a blip): one failure must not freeze the jobs.
  useEffect(() => {
    if (!unfinished || list.state === 'loading') return;
    const t = setTimeout(() => setTick((n) => n + 1), 1000);
    return () => clearTimeout(t);
  }, [unfinished, list.data, list.state]);
  return (
    <div class="grid">
      <NewExport onCreated={() => setTick((n) => n + 1)} />
      <ExportList data={list} />
    </div>
  );
}
