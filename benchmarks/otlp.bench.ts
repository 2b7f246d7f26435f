/**
 * OTLP ingest (`POST /v1/traces`) beside `/v1/events` in the same run, against one Pulse child process
 * (as the ingest bench: durable acks, 1,000 items per request, senders that wait for each ack).
 *
 * The spans are GenAI chat spans as an instrumented bot exports them (semantic-convention attributes,
 * ids, a resource), built from the synthetic dataset's LLM events; the `/v1/events` rows send exactly
 * the events Pulse makes of those spans, so the difference between rows is the OTLP decoding and
 * mapping, not different data. Protobuf is what the Collector and most SDK exporters send by default.
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { OTLP_ATTRIBUTE_DEFAULTS } from '../packages/server/src/config/load.js';
import { decodeProtobufRequest, encodeProtobufRequest } from '../packages/server/src/ingest/otlp/protobuf.js';
import { mapRequest } from '../packages/server/src/ingest/otlp/map-request.js';
import { syntheticEvents } from '../packages/server/src/synthetic/index.js';
import { createAgent, request } from './lib/http.js';
import { runTimedLoad, type Body, type SendOutcome, type TimedLoadResult } from './lib/load.js';
import { fmtInt, fmtMs, table } from './lib/markdown.js';
import { readCpuSeconds } from './lib/proc.js';
import { startPulseProcess } from './lib/pulse-process.js';
import { summarize, type Summary } from './lib/stats.js';
import type { BenchOptions, BenchSection } from './types.js';

export interface OtlpBenchDeps {
  repoRoot: string;
  log: (message: string) => void;
}

const SPANS_PER_REQUEST = 1000;
/** The server maps these to channel and guild, as a Discord bot would configure it. */
const SERVER_ENV = { PULSE_OTLP_CHANNEL_ATTRIBUTE: 'discord.channel', PULSE_OTLP_GUILD_ATTRIBUTE: 'discord.guild' };

type Protocol = 'events' | 'otlp-protobuf' | 'otlp-json';

interface Row {
  id: string;
  protocol: Protocol;
  gzip: boolean;
  senders: number;
}

const ROWS: readonly Row[] = [
  { id: '/v1/events, JSON', protocol: 'events', gzip: false, senders: 1 },
  { id: '/v1/traces, protobuf', protocol: 'otlp-protobuf', gzip: false, senders: 1 },
  { id: '/v1/events, JSON', protocol: 'events', gzip: false, senders: 4 },
  { id: '/v1/traces, protobuf', protocol: 'otlp-protobuf', gzip: false, senders: 4 },
  { id: '/v1/traces, protobuf gzip', protocol: 'otlp-protobuf', gzip: true, senders: 4 },
  { id: '/v1/traces, JSON', protocol: 'otlp-json', gzip: false, senders: 4 },
];

const key = (r: Row): string => `${r.protocol}${r.gzip ? '_gzip' : ''}_${r.senders}x`;

type KeyValue = { key: string; value: Record<string, unknown> };
const kv = (k: string, v: string | number | boolean | string[]): KeyValue => ({
  key: k,
  value: Array.isArray(v) ? { arrayValue: { values: v.map((s) => ({ stringValue: s })) } }
    : typeof v === 'string' ? { stringValue: v } : typeof v === 'boolean' ? { boolValue: v }
      : Number.isInteger(v) ? { intValue: v } : { doubleValue: v },
});

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
const nanos = (ms: number): string => `${Math.round(ms)}000000`;

/** One export request (JSON form, hex ids) of GenAI chat spans made from synthetic LLM events. */
function* otlpRequests(spans: number, endMs: number): Generator<Record<string, unknown>> {
  let batch: Record<string, unknown>[] = [];
  const resource = { attributes: [kv('service.name', 'bot'), kv('deployment.environment.name', 'prod'), kv('service.version', '3.1.0'), kv('telemetry.sdk.language', 'nodejs'), kv('telemetry.sdk.name', 'opentelemetry'), kv('telemetry.sdk.version', '2.12.1')] };
  const flush = (): Record<string, unknown> => ({ resourceSpans: [{ resource, scopeSpans: [{ scope: { name: '@opentelemetry/instrumentation-openai', version: '0.5.0' }, spans: batch }] }] });
  let made = 0;
  for (const e of syntheticEvents({ seed: 7, startMs: endMs - 86_400_000, endMs, count: spans * 2 })) {
    if (e.type !== 'llm' || made >= spans) continue;
    made++;
    const start = Number(e.ts);
    const attributes = [
      kv('gen_ai.operation.name', 'chat'), kv('gen_ai.provider.name', String(e.provider)), kv('gen_ai.request.model', String(e.model)),
      kv('gen_ai.response.model', String(e.model)), kv('gen_ai.response.id', `chatcmpl-${hex(12)}`), kv('gen_ai.request.temperature', 0.7),
      kv('gen_ai.request.max_tokens', 1024), kv('gen_ai.usage.input_tokens', Number(e.input_tokens ?? 0)), kv('gen_ai.usage.output_tokens', Number(e.output_tokens ?? 0)),
      kv('gen_ai.response.finish_reasons', ['stop']), kv('user.id', String(e.user_id)), kv('session.id', String(e.session_id)),
      kv('gen_ai.agent.name', String(e.persona)), kv('discord.channel', String(e.channel)), kv('discord.guild', String(e.guild)), kv('gen_ai.prompt.name', String(e.prompt_id)),
      kv('server.address', 'api.openai.com'),
    ];
    if (e.ttft_ms !== undefined) attributes.push(kv('gen_ai.response.time_to_first_chunk', Number(e.ttft_ms) / 1000));
    const failed = e.status === 'error';
    if (failed) attributes.push(kv('error.type', String(e.error_type ?? 'Error')));
    batch.push({
      traceId: hex(16), spanId: hex(8), parentSpanId: hex(8), name: `chat ${e.model}`, kind: 3,
      startTimeUnixNano: nanos(start), endTimeUnixNano: nanos(start + Number(e.duration_ms ?? 0)), attributes,
      status: failed ? { code: 2, message: String(e.error_message ?? 'error') } : {},
    });
    if (batch.length === SPANS_PER_REQUEST) {
      yield flush();
      batch = [];
    }
  }
  if (batch.length > 0) yield flush();
}

const withBytesIds = (json: Record<string, unknown>): Record<string, unknown> =>
  JSON.parse(JSON.stringify(json), (k, v) => (k === 'traceId' || k === 'spanId' || k === 'parentSpanId' ? Buffer.from(v as string, 'hex') : v));

/**
 * The pool is cycled, and Pulse answers a resent export body from its first attempt's record (a retry) instead of
 * storing it again: each send is made a new batch by a trailing field the decoders ignore — an unknown protobuf
 * field (15, varint), an unknown JSON member, or for gzip a second gzip member holding that protobuf field.
 */
function distinct(data: Buffer, headers: http.OutgoingHttpHeaders, seq: number): Buffer {
  const varint: number[] = [];
  for (let n = seq; ; n = Math.floor(n / 128)) {
    if (n < 128) { varint.push(n); break; }
    varint.push((n % 128) | 128);
  }
  const field = Buffer.from([0x78, ...varint]);
  if (headers['content-type'] === 'application/json') return Buffer.concat([data.subarray(0, data.length - 1), Buffer.from(`,"benchSeq":${seq}}`)]);
  return Buffer.concat([data, headers['content-encoding'] === 'gzip' ? gzipSync(field) : field]);
}

let sends = 0;

/** POSTs an OTLP body until it is stored (429/503 retried after Retry-After); accepted = spans − partial_success.rejected_spans. */
async function sendOtlp(agent: http.Agent, url: URL, body: Body, headers: http.OutgoingHttpHeaders): Promise<SendOutcome> {
  let retries = 0;
  const data = distinct(body.data, headers, sends++);
  for (;;) {
    const res = await request(agent, url, 'POST', data, headers);
    if (res.status === 429 || res.status === 503) {
      retries++;
      if (retries > 200) throw new Error(`POST ${url.pathname}: still ${res.status} after ${retries} retries`);
      await new Promise((r) => setTimeout(r, Math.min(Number(res.headers['retry-after']) * 1000 || 100, 5_000)));
      continue;
    }
    if (res.status !== 200) throw new Error(`POST ${url.pathname}: ${res.status} ${res.body.slice(0, 300)}`);
    // An empty protobuf answer is full success; anything else carries partial_success, which request()
    // (reading answers as text) cannot decode — and a run of generated spans must have none.
    if (headers['content-type'] !== 'application/json' && res.body.length > 0) throw new Error(`POST ${url.pathname}: partial success reported`);
    const rejected = headers['content-type'] === 'application/json'
      ? Number((JSON.parse(res.body) as { partialSuccess?: { rejectedSpans?: string } }).partialSuccess?.rejectedSpans ?? 0)
      : 0;
    return { accepted: body.events - rejected, rejected, retries, latencyMs: res.ms };
  }
}

export function otlpBench(deps: OtlpBenchDeps) {
  return async (opts: BenchOptions): Promise<BenchSection> => {
    const log = (m: string): void => deps.log(`[otlp] ${m}`);
    const poolSpans = opts.quick ? 10_000 : 200_000;
    const warmupMs = opts.quick ? 500 : 3_000;
    const durationMs = opts.quick ? 2_000 : 10_000;

    const jsonRequests = [...otlpRequests(poolSpans, Date.now())];
    const spansIn = (r: Record<string, unknown>): number => ((r.resourceSpans as { scopeSpans: { spans: unknown[] }[] }[])[0]!.scopeSpans[0]!.spans.length);
    const pools: Record<string, Body[]> = { 'otlp-json': [], 'otlp-protobuf': [], 'otlp-protobuf_gzip': [], events: [] };
    const mapOptions = { spans: 'genai' as const, attributes: { ...OTLP_ATTRIBUTE_DEFAULTS, channel: ['discord.channel'], guild: ['discord.guild'] } };
    for (const r of jsonRequests) {
      const n = spansIn(r);
      const pb = Buffer.from(encodeProtobufRequest(withBytesIds(r)));
      pools['otlp-json']!.push({ events: n, data: Buffer.from(JSON.stringify(r)) });
      pools['otlp-protobuf']!.push({ events: n, data: pb });
      pools['otlp-protobuf_gzip']!.push({ events: n, data: gzipSync(pb) });
      // What Pulse makes of these spans, sent as plain events: the same rows, the other protocol.
      const { events } = mapRequest(decodeProtobufRequest(pb), mapOptions);
      pools.events!.push({ events: events.length, data: Buffer.from(JSON.stringify({ events })) });
    }
    const bytesPerItem = (pool: string): number => pools[pool]!.reduce((s, b) => s + b.data.length, 0) / poolSpans;
    log(`${jsonRequests.length} requests of ${SPANS_PER_REQUEST} spans ready: protobuf ${bytesPerItem('otlp-protobuf').toFixed(0)} B/span `
      + `(gzip ${bytesPerItem('otlp-protobuf_gzip').toFixed(0)}), OTLP/JSON ${bytesPerItem('otlp-json').toFixed(0)}, the mapped events as JSON ${bytesPerItem('events').toFixed(0)} B/event`);

    const dir = join(opts.tmpDir, 'otlp');
    mkdirSync(dir, { recursive: true });
    const pulse = await startPulseProcess({ repoRoot: deps.repoRoot, dataDir: join(dir, 'data'), workDir: dir, env: SERVER_ENV });
    const results: { row: Row; load: TimedLoadResult; latency: Summary; serverCpuPct: number | null }[] = [];
    try {
      for (const row of ROWS) {
        const agent = createAgent(row.senders);
        const otlp = row.protocol !== 'events';
        const headers: http.OutgoingHttpHeaders = {
          'content-type': row.protocol === 'otlp-protobuf' ? 'application/x-protobuf' : 'application/json',
          ...(row.gzip && { 'content-encoding': 'gzip' }),
        };
        const pool = pools[`${row.protocol}${row.gzip ? '_gzip' : ''}`]!;
        const wall0 = performance.now();
        const cpu0 = readCpuSeconds(pulse.pid);
        const load = await runTimedLoad({
          agent, url: new URL(otlp ? '/v1/traces' : '/v1/events', pulse.url), bodies: pool, headers,
          concurrency: row.senders, warmupMs, durationMs, ...(otlp && { send: sendOtlp }),
        });
        const cpu1 = readCpuSeconds(pulse.pid);
        const wall = (performance.now() - wall0) / 1000;
        agent.destroy();
        if (load.rejected > 0) throw new Error(`${row.id}: the server rejected ${load.rejected} generated items`);
        const latency = summarize(load.latenciesMs);
        results.push({ row, load, latency, serverCpuPct: cpu0 === null || cpu1 === null ? null : ((cpu1 - cpu0) / wall) * 100 });
        log(`${row.id}, ${row.senders} sender(s): ${fmtInt(load.eventsPerSec)} ${otlp ? 'spans' : 'events'}/s, ack p50 ${fmtMs(latency.p50)} ms, p99 ${fmtMs(latency.p99)} ms`);
      }
    } finally {
      await pulse.stop();
    }

    const rate = (protocol: Protocol, senders: number, gzip = false): number | null =>
      results.find((r) => r.row.protocol === protocol && r.row.senders === senders && r.row.gzip === gzip)?.load.eventsPerSec ?? null;
    const events4 = rate('events', 4);
    const pb4 = rate('otlp-protobuf', 4);
    const bytesOf = (r: Row): number => bytesPerItem(r.protocol === 'events' ? 'events' : `${r.protocol}${r.gzip ? '_gzip' : ''}`);
    const markdown = [
      `Pulse child process on 127.0.0.1, fresh DuckDB store, default OTLP settings (GenAI spans) plus channel and guild keys. ${fmtInt(SPANS_PER_REQUEST)}-span export requests`,
      `from a pool of ${fmtInt(poolSpans)} GenAI chat spans (semantic-convention attributes, ids, resource, as an instrumented bot exports them); the \`/v1/events\` rows send`,
      'the events Pulse makes of those same spans, so both protocols store identical rows. Each sender waits for the 200 (sent after the group commit) before its next request;',
      `${warmupMs / 1000} s warm-up then ${durationMs / 1000} s measured per row. Server CPU in % of one core over the row; the machine has ${availableParallelism()} cores, shared by server and client.`,
      '',
      table(
        ['endpoint, body', 'senders', 'items/s', 'bytes/item', 'ack p50 ms', 'ack p99 ms', 'requests', 'server CPU %', 'notes'],
        results.map((r) => [
          r.row.id, r.row.senders, fmtInt(r.load.eventsPerSec), fmtInt(bytesOf(r.row)), fmtMs(r.latency.p50), fmtMs(r.latency.p99), fmtInt(r.load.requests),
          fmtInt(r.serverCpuPct), r.load.retries > 0 ? `${r.load.retries} retried 429/503` : '',
        ]),
        ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
      ),
      '',
      events4 !== null && pb4 !== null
        ? `OTLP protobuf at 4 senders: ${fmtInt(pb4)} spans/s, ${Math.round((pb4 / events4) * 100)} % of \`/v1/events\` with the same rows (${fmtInt(events4)} events/s).`
        : '',
      ...(opts.quick ? ['', '_Quick run: durations too short for figures._'] : []),
    ].join('\n');

    const out: Record<string, number | string | null> = {
      spans_per_request: SPANS_PER_REQUEST,
      protobuf_bytes_per_span: Math.round(bytesPerItem('otlp-protobuf')),
      protobuf_gzip_bytes_per_span: Math.round(bytesPerItem('otlp-protobuf_gzip')),
      json_bytes_per_span: Math.round(bytesPerItem('otlp-json')),
      otlp_protobuf_vs_events_4x: events4 !== null && pb4 !== null ? Number((pb4 / events4).toFixed(3)) : null,
    };
    for (const r of results) {
      out[`${key(r.row)}.per_s`] = Math.round(r.load.eventsPerSec);
      out[`${key(r.row)}.ack_p50_ms`] = Number(r.latency.p50.toFixed(2));
      out[`${key(r.row)}.ack_p99_ms`] = Number(r.latency.p99.toFixed(2));
      out[`${key(r.row)}.server_cpu_pct`] = r.serverCpuPct === null ? null : Math.round(r.serverCpuPct);
    }
    return { id: 'otlp', title: 'OpenTelemetry ingest (OTLP/HTTP) beside /v1/events', markdown, results: out };
  };
}
