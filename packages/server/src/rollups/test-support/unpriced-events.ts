/**
 * LLM calls of models the pricing table does not know, for the rollup-vs-raw tests: `house-7b` never priced (no
 * `cost_usd` sent), `house-13b` priced by the client on two of every three calls of the same key and hour — so
 * rollup rows hold priced and unpriced calls together. `count` calls spread evenly over [startMs, endMs).
 */
export function unpricedEvents(startMs: number, endMs: number, count: number): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  const step = Math.floor((endMs - startMs) / count);
  for (let i = 0; i < count; i++) {
    const ts = startMs + i * step;
    const call = { ts, type: 'llm', name: 'chat', provider: 'house', input_tokens: 300 + (i % 7) * 11, output_tokens: 120 + (i % 5) * 13, duration_ms: 800 };
    out.push({ ...call, model: 'house-7b' });
    out.push({ ...call, model: 'house-13b', ...(i % 3 === 2 ? {} : { cost_usd: 0.001 + (i % 4) * 0.0005 }) });
  }
  return out;
}

/** `extra` merged into `events` by time (both in time order), so they take part in every batch and path. */
export function mergeByTime<T>(events: readonly T[], extra: readonly T[], ts: (e: T) => number): T[] {
  return [...events, ...extra].map((e, i) => [e, i] as const).sort((a, b) => ts(a[0]) - ts(b[0]) || a[1] - b[1]).map(([e]) => e);
}

/** An event's time in epoch ms (events given as objects with `ts` as a number or an RFC 3339 string). */
export const tsOf = (e: object): number => {
  const ts = (e as { ts?: unknown }).ts;
  return typeof ts === 'number' ? ts : Date.parse(String(ts));
};
