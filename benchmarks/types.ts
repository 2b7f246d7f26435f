/**
 * Every `*.bench.ts` file default-exports a Bench. `benchmarks/run.ts` runs them in one process, one
 * after another, and regenerates docs/benchmarks.md from their sections.
 */
export interface BenchOptions {
  /** `npm run bench -- --quick`: small sizes, for checking that a bench runs, not for figures. */
  quick: boolean;
  /** Scratch directory for data files; removed afterwards. */
  tmpDir: string;
}

export interface BenchSection {
  id: string;
  title: string;
  /** Markdown body (tables, notes on targets met or missed and why). */
  markdown: string;
  /** Machine-readable figures, also written to docs/benchmarks.json. */
  results: Record<string, number | string | null>;
  /** Set on a section measured by a later `--only … --update` run than the rest of the document. */
  measured?: { date: string; commit: string | null; dirty: boolean };
}

export type Bench = (opts: BenchOptions) => Promise<BenchSection>;
