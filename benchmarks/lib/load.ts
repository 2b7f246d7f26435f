import type http from 'node:http';
import { request, type HttpResult } from './http.js';

/** A pre-serialised ingest request: the body bytes and the number of events inside. */
export interface Body {
  data: Buffer;
  events: number;
}

export interface SendOutcome {
  accepted: number;
  /** Events the server reported in `rejected` (207). */
  rejected: number;
  /** 429/503 answers that were retried. */
  retries: number;
  latencyMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function retryAfterMs(res: HttpResult): number {
  const s = Number(res.headers['retry-after']);
  return Number.isFinite(s) && s > 0 ? Math.min(s * 1000, 5_000) : 100;
}

/**
 * POSTs one body until it is stored: 429 and 503 are retried after `Retry-After` (capped), anything
 * else but 200/207 is an error. The latency is that of the final, acknowledged attempt.
 */
export async function sendBody(agent: http.Agent, url: URL, body: Body, headers: http.OutgoingHttpHeaders): Promise<SendOutcome> {
  let retries = 0;
  for (;;) {
    const res = await request(agent, url, 'POST', body.data, headers);
    if (res.status === 429 || res.status === 503) {
      retries++;
      if (retries > 200) throw new Error(`POST ${url.pathname}: still ${res.status} after ${retries} retries`);
      await sleep(retryAfterMs(res));
      continue;
    }
    if (res.status !== 200 && res.status !== 207) {
      throw new Error(`POST ${url.pathname}: ${res.status} ${res.body.slice(0, 300)}`);
    }
    const parsed = JSON.parse(res.body) as { accepted?: unknown; rejected?: unknown };
    const accepted = typeof parsed.accepted === 'number' ? parsed.accepted : 0;
    const rejected = Array.isArray(parsed.rejected) ? parsed.rejected.length : 0;
    return { accepted, rejected, retries, latencyMs: res.ms };
  }
}

/** Sends one body until it is stored (sendBody for `/v1/events`; other protocols bring their own). */
export type Sender = (agent: http.Agent, url: URL, body: Body, headers: http.OutgoingHttpHeaders) => Promise<SendOutcome>;

export interface TimedLoadOptions {
  agent: http.Agent;
  /** Several URLs (instances behind no balancer): sender i sends to url[i % length]; they share one pass over `bodies`. */
  url: URL | readonly URL[];
  bodies: readonly Body[];
  headers: http.OutgoingHttpHeaders;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  /** Default: sendBody. */
  send?: Sender;
}

export interface TimedLoadResult {
  /** Events acknowledged by requests that completed inside the measured window. */
  events: number;
  requests: number;
  seconds: number;
  eventsPerSec: number;
  /** Latencies of the requests that started inside the measured window. */
  latenciesMs: number[];
  rejected: number;
  retries: number;
  /** Every event acknowledged, warm-up included (what the store now holds from this run). */
  totalAccepted: number;
}

/**
 * `concurrency` senders, each with one request in flight, cycling through the pool of bodies for
 * warm-up + duration. Counting starts after the warm-up.
 */
export async function runTimedLoad(o: TimedLoadOptions): Promise<TimedLoadResult> {
  if (o.bodies.length === 0) throw new Error('no bodies to send');
  const t0 = performance.now();
  const measureFrom = t0 + o.warmupMs;
  const end = measureFrom + o.durationMs;
  let next = 0;
  let events = 0;
  let requests = 0;
  let rejected = 0;
  let retries = 0;
  let totalAccepted = 0;
  const latenciesMs: number[] = [];
  const send = o.send ?? sendBody;
  const urls = Array.isArray(o.url) ? (o.url as readonly URL[]) : [o.url as URL];
  if (urls.length === 0) throw new Error('no URL to send to');
  const sender = async (_: unknown, i: number): Promise<void> => {
    const url = urls[i % urls.length]!;
    while (performance.now() < end) {
      const body = o.bodies[next++ % o.bodies.length]!;
      const started = performance.now();
      const r = await send(o.agent, url, body, o.headers);
      const done = performance.now();
      if (done >= measureFrom && done <= end) {
        events += r.accepted;
        requests++;
      }
      if (started >= measureFrom && done <= end) latenciesMs.push(r.latencyMs);
      totalAccepted += r.accepted;
      rejected += r.rejected;
      retries += r.retries;
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, sender));
  const seconds = o.durationMs / 1000;
  return { events, requests, seconds, eventsPerSec: events / seconds, latenciesMs, rejected, retries, totalAccepted };
}

export interface LoadAllResult {
  accepted: number;
  rejected: number;
  retries: number;
  requests: number;
  seconds: number;
  eventsPerSec: number;
}

/** Sends every body of a stream with `concurrency` requests in flight; `onProgress` after each ack. */
export async function sendAll(
  agent: http.Agent,
  url: URL,
  source: AsyncIterable<Body>,
  headers: http.OutgoingHttpHeaders,
  concurrency: number,
  onProgress?: (accepted: number) => void,
): Promise<LoadAllResult> {
  const it = source[Symbol.asyncIterator]();
  let accepted = 0;
  let rejected = 0;
  let retries = 0;
  let requests = 0;
  // Pulling from one iterator by several senders: each `next()` is awaited before the next call.
  let pulling: Promise<unknown> = Promise.resolve();
  const pull = (): Promise<IteratorResult<Body>> => {
    const p = pulling.then(() => it.next());
    pulling = p.catch(() => undefined);
    return p;
  };
  const t0 = performance.now();
  const sender = async (): Promise<void> => {
    for (;;) {
      const item = await pull();
      if (item.done) return;
      const r = await sendBody(agent, url, item.value, headers);
      accepted += r.accepted;
      rejected += r.rejected;
      retries += r.retries;
      requests++;
      onProgress?.(accepted);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, sender));
  const seconds = (performance.now() - t0) / 1000;
  return { accepted, rejected, retries, requests, seconds, eventsPerSec: accepted / seconds };
}
