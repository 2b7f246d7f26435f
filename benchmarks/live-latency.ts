/**
 * Event-to-client latency of the live feed from probe events: probe k (k = 1, 2, …) is one `llm` event
 * of a model no other event uses, with input_tokens = 1, sent only after probe k−1 was acknowledged —
 * so the frame's `tokens_by_model[probe].input_tokens` is exactly the number of probes committed, and
 * a client that sees it reach k has seen probe k. Latency = the client's receipt of that first frame −
 * the probe's send time (both epoch ms from `Date.now()`, the wall clock, comparable
 * across processes on one machine). It includes the HTTP request, the group commit, the fan-out, the
 * wait for the client's next 1 Hz frame, the frame and its delivery.
 */
export interface LatencyResult {
  /** One sample per (probe, client) pair that saw the probe. */
  samplesMs: number[];
  /** (probe, client) pairs where the client never saw the probe before the report. */
  missing: number;
}

/** `sentAt[k-1]` is probe k's send time; `transitions` per client as [count, t, count, t, …], counts rising. */
export function probeLatencies(sentAt: readonly number[], transitions: readonly (readonly number[])[]): LatencyResult {
  const samplesMs: number[] = [];
  let missing = 0;
  for (const t of transitions) {
    let i = 0; // index into this client's transitions, advancing with k
    for (let k = 1; k <= sentAt.length; k++) {
      while (i < t.length && t[i]! < k) i += 2;
      if (i >= t.length) {
        missing += sentAt.length - k + 1;
        break;
      }
      samplesMs.push(t[i + 1]! - sentAt[k - 1]!);
    }
  }
  return { samplesMs, missing };
}
