import type { EventStore } from '../store/types.js';
import { executeQuery, type NamedRow } from '../query/run.js';
import type { MeasureName } from '../query/measures.js';
import { MAX_LIMIT, type DimensionName, type Filter, type TimeRange } from '../query/types.js';

/** An alert of the period, as the alert history gives it (rule name, severity, when, whether it resolved). */
export interface ReportAlert {
  rule: string;
  severity: string;
  message: string;
  startsAt: string;
  endsAt: string | null;
}

/** A model whose events carried no cost (the pricing table does not know it): its tokens are not in the cost. */
export interface UnpricedModel {
  /** null: events with tokens but no model. */
  model: string | null;
  tokens: number;
}

export interface Ranked {
  name: string;
  count: number;
  cost_usd: number;
}

/** Everything a scheduled report says about one period (CONTRACT §10), computed through the query layer. */
export interface ReportSummary {
  project: string;
  /** Instants in UTC; `timezone` is the report's (IANA), in which its text shows the period. */
  period: { start: string; end: string; label: string; timezone: string };
  usage: { events: number; llm_calls: number; messages: number; unique_users: number; input_tokens: number; output_tokens: number };
  cost: {
    usd: number;
    previous_usd: number;
    change_pct: number | null;
    /** Input + output tokens of the period's events without a cost, which `usd` leaves out (0: every token priced). */
    unpriced_tokens: number;
    /** The models those tokens came from, most tokens first, at most MAX_UNPRICED_MODELS ([] when none). */
    unpriced_models: UnpricedModel[];
  };
  latency: { avg_ms: number | null; p50_ms: number | null; p95_ms: number | null; p99_ms: number | null; p95_ttft_ms: number | null };
  errors: { count: number; rate: number | null; top: { error_type: string; count: number }[] };
  top_models: Ranked[];
  top_personas: Ranked[];
  /** The period's alerts, earliest first, at most MAX_REPORT_ALERTS of them. */
  alerts: ReportAlert[];
  /** How many alerts the period had (more than `alerts` holds when it had more than MAX_REPORT_ALERTS). */
  alerts_total: number;
}

/** Alerts listed in a report; the rest are counted (`alerts_total`). */
export const MAX_REPORT_ALERTS = 50;
/** Models named as the source of unpriced tokens. */
export const MAX_UNPRICED_MODELS = 5;

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const opt = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

async function rows(store: EventStore, project: string, range: TimeRange, measures: MeasureName[], opts: { dimensions?: DimensionName[]; filters?: Filter[]; limit?: number } = {}): Promise<NamedRow[]> {
  const { rows: out } = await executeQuery(store, {
    project, range, measures, dimensions: opts.dimensions ?? [], filters: opts.filters ?? [], limit: opts.limit ?? 1,
  });
  return out;
}

const LLM: Filter[] = [{ field: 'type', values: ['llm'] }];

/**
 * The models of the period's unpriced tokens, most first (then by name). Asked only when the period has some: one query
 * of each model's tokens and priced tokens; the difference is what the cost leaves out.
 */
async function unpricedModels(store: EventStore, project: string, period: TimeRange): Promise<UnpricedModel[]> {
  const list = await rows(store, project, period, ['total_tokens', 'priced_tokens'], { dimensions: ['model'], limit: MAX_LIMIT });
  return list
    .map((r) => ({ model: typeof r.model === 'string' ? r.model : null, tokens: num(r.total_tokens) - num(r.priced_tokens) }))
    .filter((m) => m.tokens > 0)
    .sort((a, b) => b.tokens - a.tokens || String(a.model).localeCompare(String(b.model)))
    .slice(0, MAX_UNPRICED_MODELS);
}

function ranked(list: NamedRow[], key: string): Ranked[] {
  return list
    .filter((r) => typeof r[key] === 'string')
    .map((r) => ({ name: String(r[key]), count: num(r.count), cost_usd: num(r.cost_usd) }));
}

/** The period's figures and the previous period's cost (for the trend). */
export async function buildSummary(deps: {
  store: EventStore;
  project: string;
  period: TimeRange;
  previous: TimeRange;
  label: string;
  /** The report's IANA time zone (default UTC). */
  timezone?: string;
  alerts?: ReportAlert[];
}): Promise<ReportSummary> {
  const { store, project, period } = deps;
  const [all, llm, messages, previous, errs, models, personas] = await Promise.all([
    rows(store, project, period, ['count', 'unique_users', 'input_tokens', 'output_tokens', 'cost_usd', 'errors', 'error_rate', 'total_tokens', 'priced_tokens']),
    rows(store, project, period, ['count', 'avg_duration_ms', 'p50_duration_ms', 'p95_duration_ms', 'p99_duration_ms', 'p95_ttft_ms'], { filters: LLM }),
    rows(store, project, period, ['count'], { filters: [{ field: 'type', values: ['message'] }] }),
    rows(store, project, deps.previous, ['cost_usd']),
    rows(store, project, period, ['count'], { dimensions: ['error_type'], filters: [{ field: 'status', values: ['error'] }], limit: 6 }),
    rows(store, project, period, ['count', 'cost_usd'], { dimensions: ['model'], filters: LLM, limit: 6 }),
    rows(store, project, period, ['count', 'cost_usd'], { dimensions: ['persona'], limit: 6 }),
  ]);
  const a = all[0] ?? {};
  const l = llm[0] ?? {};
  const cost = num(a.cost_usd);
  const before = num(previous[0]?.cost_usd);
  const unpriced = Math.max(0, num(a.total_tokens) - num(a.priced_tokens));
  const unpricedBy = unpriced > 0 ? await unpricedModels(store, project, period) : [];
  return {
    project,
    period: {
      start: new Date(period.startMs).toISOString(), end: new Date(period.endMs).toISOString(), label: deps.label, timezone: deps.timezone ?? 'UTC',
    },
    usage: {
      events: num(a.count), llm_calls: num(l.count), messages: num(messages[0]?.count), unique_users: num(a.unique_users),
      input_tokens: num(a.input_tokens), output_tokens: num(a.output_tokens),
    },
    cost: {
      usd: cost, previous_usd: before, change_pct: before > 0 ? ((cost - before) / before) * 100 : null,
      unpriced_tokens: unpriced, unpriced_models: unpricedBy,
    },
    latency: {
      avg_ms: opt(l.avg_duration_ms), p50_ms: opt(l.p50_duration_ms), p95_ms: opt(l.p95_duration_ms), p99_ms: opt(l.p99_duration_ms),
      p95_ttft_ms: opt(l.p95_ttft_ms),
    },
    errors: {
      count: num(a.errors),
      rate: opt(a.error_rate),
      top: errs.filter((r) => typeof r.error_type === 'string').slice(0, 5).map((r) => ({ error_type: String(r.error_type), count: num(r.count) })),
    },
    top_models: ranked(models, 'model').slice(0, 5),
    top_personas: ranked(personas, 'persona').slice(0, 5),
    alerts: (deps.alerts ?? []).slice(0, MAX_REPORT_ALERTS),
    alerts_total: deps.alerts?.length ?? 0,
  };
}
