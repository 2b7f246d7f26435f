import { parseArgs } from 'node:util';

export interface BenchArgs {
  quick: boolean;
  /** Bench ids to run, or null for all. */
  only: string[] | null;
  /** Re-render docs/benchmarks.md from docs/benchmarks.json and benchmarks/analysis.md, measuring nothing. */
  render: boolean;
  /** With `--only`, at full size: replace those sections in docs/benchmarks.{json,md}, each stamped with its own date. */
  update: boolean;
  /** A `--only` run saved in .tmp/benchmarks-only.json: record its sections as `--update` would have, measuring nothing. */
  record: boolean;
  help: boolean;
}

export const USAGE = `usage: npm run bench [-- --quick] [-- --only id,id…]
  --quick        small sizes; checks that every bench runs (writes .tmp/benchmarks-quick.md)
  --only <ids>   run some benches (writes .tmp/benchmarks-only.md); ids: validation, store-append,
                 ingest, otlp, query, clickhouse, sdk, live, metrics, alerting,
                 analytics, operations, export, retention,
                 rollups, dashboard
  --update       with --only (full sizes): replace those benches' sections in docs/benchmarks.{json,md};
                 each replaced section names its own date and commit
  --render       rewrite docs/benchmarks.md from docs/benchmarks.json (after editing benchmarks/analysis.md)
  --record       record the last --only run at full size (.tmp/benchmarks-only.json) as --update would have
A complete full run regenerates docs/benchmarks.md and docs/benchmarks.json; --only … --update replaces sections.
PostgreSQL: PULSE_BENCH_POSTGRES_URL, else scripts/postgres.sh start.
clickhouse: a private server of scripts/clickhouse.sh; PULSE_BENCH_CH_EVENTS sets its query size (default 10M).`;

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true },
      render: { type: 'boolean', default: false },
      update: { type: 'boolean', default: false },
      record: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const only = values.only
    ?.flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
  if (values.update && (!only || only.length === 0 || values.quick)) {
    throw new Error('--update needs --only <ids> and full sizes (no --quick)');
  }
  return {
    update: values.update ?? false,
    quick: values.quick ?? false,
    only: only && only.length > 0 ? only : null,
    render: values.render ?? false,
    record: values.record ?? false,
    help: values.help ?? false,
  };
}

/** A dataset size from an environment variable (e.g. PULSE_BENCH_CH_EVENTS), or undefined when unset. */
export function sizeFromEnv(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1_000) throw new Error(`${name} must be an integer ≥ 1000, not ${value}`);
  return n;
}
