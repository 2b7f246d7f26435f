import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', '..');

/** What seed 002 says about Prometheus, read from the seed itself (the acceptance test). */
export interface Seed002 {
  /** Every PromQL expression of the seed's ```promql blocks, one per query (multi-line ones joined). */
  promql: string[];
  dashboards: { title: string; panels: { title: string; type: string; targets: { expr: string; legendFormat?: string }[]; thresholds?: { value: number; color: string }[] }[] }[];
  rules: { alert: string; expr: string; for: string; labels: Record<string, string>; annotations: Record<string, string> }[];
  /** "Common Queries for Reports" and the export examples' queries. */
  reportQueries: string[];
}

/** The shared seeds sit beside the repository (CI, the main checkout) or one level further up (worktrees). */
export function findSeed002(): string | null {
  for (const dir of [join(repoRoot, '..', 'shared', 'seeds'), join(repoRoot, '..', '..', 'shared', 'seeds')]) {
    if (!existsSync(dir)) continue;
    const file = readdirSync(dir).find((f) => f.startsWith('002_'));
    if (file) return join(dir, file);
  }
  // A copy of the user's seed 002 kept beside this file, so a clone without ../shared still checks everything.
  const copy = fileURLToPath(new URL('./seed-002.txt', import.meta.url));
  return existsSync(copy) ? copy : null;
}

function blocks(text: string, lang: string): string[] {
  return [...text.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
}

export function readSeed002(path: string): Seed002 {
  const text = readFileSync(path, 'utf8');
  const promql: string[] = [];
  for (const block of blocks(text, 'promql')) {
    let current = '';
    for (const raw of block.split('\n')) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) {
        if (current) promql.push(current);
        current = '';
        continue;
      }
      current = current ? `${current} ${line}` : line;
    }
    if (current) promql.push(current);
  }
  const dashboards = blocks(text, 'json').map((b) => (JSON.parse(b) as { dashboard: Seed002['dashboards'][number] }).dashboard);
  const rulesBlock = blocks(text, 'yaml').find((b) => b.includes('groups:'))!;
  const rules = (parseYaml(rulesBlock) as { groups: { rules: Seed002['rules'] }[] }).groups[0]!.rules;
  const reportQueries = [...text.matchAll(/^\d+\. \*\*[^*]+\*\*: `([^`]+)`/gm)].map((m) => m[1]!);
  for (const m of text.matchAll(/query=([^'&]+)/g)) reportQueries.push(m[1]!);
  return { promql, dashboards, rules, reportQueries };
}
