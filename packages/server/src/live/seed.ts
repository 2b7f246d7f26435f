import type { MeasureName } from '../query/measures.js';
import { executeQuery, type NamedRow } from '../query/run.js';
import type { DimensionName, Filter, TimeRange } from '../query/types.js';
import type { EventStore } from '../store/types.js';
import { LATENCY_GAMMA } from '../query/types.js';
import { newSketch, type LiveWindow } from './live-window.js';
import { ACTIVE_MINUTES, DAY_MINUTES, MINUTE_MS, PERSONA_MINUTES, RECENT_MINUTES, windowStartMs } from './windows-spec.js';

/**
 * Fills a new window from the store, through the query layer, so the live feed does not start at zero.
 * Counts, sums and sets are seeded exactly; the latency sketches are seeded from the store's
 * logarithmic latency buckets (dimension `duration_bucket`), which use the sketches' own mapping, so a
 * seeded sketch holds the same bins as one fed event by event. The caller runs this between commits (WriteBuffer.betweenCommits) and applies only batches
 * published after it, so no event is counted twice or missed.
 */
const FUTURE_MS = 86_400_000 + MINUTE_MS; // events may be stamped up to 24 h ahead

const num = (v: string | number | null | undefined): number => (typeof v === 'number' ? v : 0);

export async function seedWindow(
  window: LiveWindow, store: EventStore, project: string, filters: readonly Filter[], nowMs: number,
): Promise<void> {
  const since = (minutes: number): TimeRange => ({ startMs: windowStartMs(nowMs, minutes), endMs: nowMs + FUTURE_MS });
  const run = (range: TimeRange, measures: MeasureName[], extra: Filter[] = [], dimensions: DimensionName[] = [], interval = true) =>
    executeQuery(store, {
      project, range, measures, dimensions, filters: [...filters, ...extra], limit: 10_000,
      // Without a time bucket these are the user and guild sets: keep the most recent if there are more.
      ...(interval ? { interval: 'minute' as const } : { order: [{ name: 'last_seen', direction: 'desc' as const }] }),
    });
  const llmOnly: Filter[] = [{ field: 'type', values: ['llm'] }];
  const [day, messages, personas, llm, models, users, guilds, durations, ttfts] = await Promise.all([
    run(since(DAY_MINUTES), ['count', 'errors']),
    run(since(DAY_MINUTES), ['count'], [{ field: 'type', values: ['message'] }]),
    run(since(PERSONA_MINUTES), ['count', 'avg_sentiment', 'sentiment_samples'], [{ field: 'type', values: ['message'] }], ['persona']),
    run(since(RECENT_MINUTES), ['avg_duration_ms', 'duration_samples', 'avg_ttft_ms', 'ttft_samples'], llmOnly),
    run(since(RECENT_MINUTES), ['input_tokens', 'output_tokens', 'cost_usd'], [], ['model']),
    run(since(ACTIVE_MINUTES), ['last_seen'], [], ['user_id'], false),
    run(since(ACTIVE_MINUTES), ['last_seen'], [], ['guild'], false),
    run(since(RECENT_MINUTES), ['count'], llmOnly, ['duration_bucket']),
    run(since(RECENT_MINUTES), ['count'], llmOnly, ['ttft_bucket']),
  ]);
  const at = (r: NamedRow) => window.bucket(Math.floor(num(r.bucket) / MINUTE_MS));
  for (const r of day.rows) {
    const b = at(r);
    b.count += num(r.count);
    b.errors += num(r.errors);
  }
  for (const r of messages.rows) at(r).messages += num(r.count);
  for (const r of personas.rows) {
    if (typeof r.persona !== 'string') continue;
    const p = at(r).persona(r.persona);
    const n = num(r.sentiment_samples);
    p.messages += num(r.count);
    p.sentimentN += n;
    p.sentimentSum += num(r.avg_sentiment) * n;
  }
  for (const r of llm.rows) {
    const b = at(r);
    const dn = num(r.duration_samples);
    const tn = num(r.ttft_samples);
    b.durationN += dn;
    b.durationSum += num(r.avg_duration_ms) * dn;
    b.ttftN += tn;
    b.ttftSum += num(r.avg_ttft_ms) * tn;
  }
  seedSketches(window, durations.rows, 'duration_bucket', 'duration');
  seedSketches(window, ttfts.rows, 'ttft_bucket', 'ttft');
  for (const r of models.rows) {
    if (typeof r.model !== 'string') continue;
    const m = at(r).model(r.model);
    m.input += num(r.input_tokens);
    m.output += num(r.output_tokens);
    m.cost += num(r.cost_usd);
  }
  // A user counts as active in the minute of their latest event: the union over the window is the same.
  for (const r of users.rows) {
    if (typeof r.user_id === 'string' && typeof r.last_seen === 'number') {
      (window.bucket(Math.floor(r.last_seen / MINUTE_MS)).users ??= new Set()).add(r.user_id);
    }
  }
  for (const r of guilds.rows) {
    if (typeof r.guild === 'string' && typeof r.last_seen === 'number') {
      (window.bucket(Math.floor(r.last_seen / MINUTE_MS)).guilds ??= new Set()).add(r.guild);
    }
  }
}

/**
 * Bucket i holds (γ^(i−1), γ^i]; γ^(i−½) lies inside, so the sketch files it under the same key as the
 * original values. Zero latencies have no logarithm: they are what the sample count has beyond the
 * buckets, and go to the sketch's zero bin.
 */
function seedSketches(window: LiveWindow, rows: readonly NamedRow[], dim: 'duration_bucket' | 'ttft_bucket', field: 'duration' | 'ttft'): void {
  const inBuckets = new Map<number, number>();
  for (const r of rows) {
    const n = num(r.count);
    if (typeof r[dim] !== 'number' || n <= 0) continue;
    const b = window.bucket(Math.floor(num(r.bucket) / MINUTE_MS));
    (b[field] ??= newSketch()).accept(LATENCY_GAMMA ** (r[dim] - 0.5), n);
    inBuckets.set(b.minute, (inBuckets.get(b.minute) ?? 0) + n);
  }
  for (const [minute, n] of inBuckets) {
    const b = window.bucket(minute);
    const zeros = (field === 'duration' ? b.durationN : b.ttftN) - n;
    if (zeros > 0) b[field]!.accept(0, zeros);
  }
}
