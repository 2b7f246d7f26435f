import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './seed-002.js';

export const hasPrometheus = (): boolean => !spawnSync('prometheus', ['--version']).error;

export interface PromSample {
  metric: Record<string, string>;
  value: number;
}

export interface PromAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
}

export interface RunningPrometheus {
  url: string;
  dir: string;
  /** An instant query through the HTTP API; a scalar comes back as one sample without labels. */
  query(expr: string, timeSec?: number): Promise<PromSample[]>;
  alerts(): Promise<PromAlert[]>;
  stop(): void;
}

/** Writes the files (name → text) into a fresh directory under .tmp/ and starts Prometheus on `prometheus.yml` there. */
export function startPrometheus(files: Record<string, string>): RunningPrometheus {
  mkdirSync(join(repoRoot, '.tmp'), { recursive: true });
  const dir = mkdtempSync(join(repoRoot, '.tmp', 'prometheus-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const script = join(repoRoot, 'scripts', 'prometheus.sh');
  const url = execFileSync(script, ['start', join(dir, 'prometheus.yml'), join(dir, 'run')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${url}${path}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`Prometheus ${path}: ${body.error ?? res.status}`);
    return body.data;
  };
  return {
    url,
    dir,
    async query(expr, timeSec) {
      const t = timeSec === undefined ? '' : `&time=${timeSec}`;
      const data = await api<{ resultType: string; result: unknown }>(`/api/v1/query?query=${encodeURIComponent(expr)}${t}`);
      if (data.resultType === 'scalar') return [{ metric: {}, value: Number((data.result as [number, string])[1]) }];
      if (data.resultType !== 'vector') throw new Error(`${expr}: unexpected ${data.resultType}`);
      return (data.result as { metric: Record<string, string>; value: [number, string] }[]).map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    async alerts() {
      return (await api<{ alerts: PromAlert[] }>('/api/v1/alerts')).alerts;
    },
    stop() {
      execFileSync(script, ['stop', join(dir, 'run')], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * PromQL's histogram_quantile over cumulative bucket counts (upper bound → count), as Prometheus
 * computes it: linear interpolation inside the bucket where the rank falls (the first bucket from 0).
 */
export function histogramQuantile(q: number, buckets: readonly [number, number][]): number {
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)![1];
  const rank = q * total;
  let prevBound = 0;
  let prevCount = 0;
  for (const [bound, count] of sorted) {
    if (count >= rank) {
      if (bound === Infinity) return prevBound;
      return prevBound + (bound - prevBound) * ((rank - prevCount) / (count - prevCount));
    }
    prevBound = bound;
    prevCount = count;
  }
  return prevBound;
}

/** Cumulative counts of `values` in the given upper bounds (plus +Inf). */
export function cumulative(values: readonly number[], bounds: readonly number[]): [number, number][] {
  return [...bounds, Infinity].map((b) => [b, values.filter((v) => v <= b).length] as [number, number]);
}

/** The bucket (lower, upper] that holds the q-quantile of the raw values: the error bound of a histogram's answer. */
export function bucketOf(q: number, values: readonly number[], bounds: readonly number[]): [number, number] {
  const sorted = [...values].sort((a, b) => a - b);
  const v = sorted[Math.ceil(q * sorted.length) - 1]!;
  let lo = 0;
  for (const b of [...bounds, Infinity]) {
    if (v <= b) return [lo, b];
    lo = b;
  }
  return [lo, Infinity];
}
