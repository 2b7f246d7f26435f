/**
 * Ingest validation throughput on one core: validateEvents (compiled JSON Schema + normalisation)
 * against the 1M events/s target, with the raw ajv check and an equivalent zod 4 schema beside it.
 *
 *   npx tsx benchmarks/validation.bench.ts [--quick]
 */
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import {
  ATTRIBUTE_KEY_PATTERN, CUSTOM_TYPE_PATTERN, LIMITS, PHASE_NAME_PATTERN, RFC3339_PATTERN, SEVERITIES, STATUSES,
  checkEventSchema, validateEvents,
} from '../packages/protocol/src/index.js';
import type { Bench, BenchOptions, BenchSection } from './types.js';

const TARGET_EVENTS_PER_S = 1_000_000;

/** A small seeded generator (mulberry32) so runs are comparable. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const MODELS = [
  ['gpt-4o', 'openai'], ['gpt-4o-mini', 'openai'], ['claude-3-5-sonnet-20241022', 'anthropic'],
  ['gemini-2.0-flash', 'google'], ['llama3.2', 'ollama'],
] as const;
const PERSONAS = ['luna', 'sol', 'nova', 'atlas'] as const;
const CHANNELS = ['general', 'support', 'random', 'art'] as const;

/**
 * Mostly LLM calls with ~15 fields, phases and a few attributes (what a chat bot sends), plus
 * messages with text, HTTP requests and errors; `ts` half epoch ms, half RFC 3339 strings.
 */
export function realisticEvents(n: number, nowMs: number, seed = 42): unknown[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const tsMs = nowMs - Math.floor(r() * 3_600_000);
    const ts = r() < 0.5 ? tsMs : new Date(tsMs).toISOString();
    const user_id = `user_${Math.floor(r() ** 3 * 5000)}`;
    const roll = r();
    if (roll < 0.75) {
      const [model, provider] = pick(MODELS);
      const inference = 300 + r() * 2500;
      out.push({
        id: `evt_${seed}_${i}`, ts, type: 'llm', name: 'completion', service: 'bot', environment: 'prod',
        user_id, session_id: `sess_${Math.floor(r() * 20_000)}`, persona: pick(PERSONAS), channel: pick(CHANNELS),
        guild: `guild_${Math.floor(r() * 40)}`, model, provider,
        input_tokens: Math.floor(200 + r() * 3000), output_tokens: Math.floor(20 + r() * 800),
        duration_ms: Math.round(inference + 60), ttft_ms: Math.round(inference * 0.3), status: 'ok',
        phases: { context_building: Math.round(r() * 40), llm_inference: Math.round(inference), response_processing: 4, discord_send: 35 },
        attributes: { region: pick(['eu', 'us', 'ap']), streaming: r() < 0.7, attempt: 1, plan: pick(['free', 'pro']) },
      });
    } else if (roll < 0.9) {
      out.push({
        ts, type: 'message', service: 'bot', user_id, persona: pick(PERSONAS), channel: pick(CHANNELS),
        text: pick(['thanks, that was really helpful!', 'this is wrong again', 'can you draw a cat in a hat?', 'ok']),
      });
    } else if (roll < 0.98) {
      out.push({
        ts, type: 'http', name: pick(['/v1/chat', '/v1/images', '/health']), service: 'api', environment: 'prod',
        duration_ms: Math.round(5 + r() * 400), status: 'ok', attributes: { method: 'POST', status_code: 200 },
      });
    } else {
      out.push({
        ts, type: 'error', service: 'worker', error_type: pick(['RateLimitError', 'TimeoutError']),
        error_message: 'upstream did not answer in time', severity: pick(['warning', 'high']),
      });
    }
  }
  // Through JSON, so the objects have the shapes JSON.parse gives the server.
  return JSON.parse(JSON.stringify(out)) as unknown[];
}

const str = (n: number) => z.string().max(n);
const millis = z.number().min(0).max(LIMITS.maxFloat32);
/** The same rules as EVENT_JSON_SCHEMA, written in zod 4, for comparison only. */
const zodEvent = z.strictObject({
  id: str(LIMITS.maxIdLength).optional(),
  ts: z.union([z.string().regex(new RegExp(RFC3339_PATTERN)), z.number().min(LIMITS.minTsMs)]).optional(),
  type: z.string().regex(CUSTOM_TYPE_PATTERN),
  name: str(LIMITS.maxNameLength).optional(),
  service: str(LIMITS.maxServiceLength).optional(),
  environment: str(LIMITS.maxServiceLength).optional(),
  user_id: str(LIMITS.maxDimensionLength).optional(),
  session_id: str(LIMITS.maxDimensionLength).optional(),
  persona: str(LIMITS.maxDimensionLength).optional(),
  channel: str(LIMITS.maxDimensionLength).optional(),
  guild: str(LIMITS.maxDimensionLength).optional(),
  prompt_id: str(LIMITS.maxDimensionLength).optional(),
  model: str(LIMITS.maxDimensionLength).optional(),
  provider: str(LIMITS.maxDimensionLength).optional(),
  input_tokens: z.int().min(0).max(LIMITS.maxTokens).optional(),
  output_tokens: z.int().min(0).max(LIMITS.maxTokens).optional(),
  cost_usd: z.number().min(0).optional(),
  duration_ms: millis.optional(),
  ttft_ms: millis.optional(),
  status: z.enum(STATUSES).optional(),
  error_type: str(LIMITS.maxErrorTypeLength).optional(),
  error_message: str(LIMITS.maxErrorMessageLength).optional(),
  severity: z.enum([...SEVERITIES, 'warning']).optional(),
  value: z.number().optional(),
  target: str(LIMITS.maxDimensionLength).optional(),
  text: str(LIMITS.maxTextLength).optional(),
  sentiment: z.number().min(-1).max(1).optional(),
  phases: z.record(z.string().max(LIMITS.maxPhaseNameLength).regex(PHASE_NAME_PATTERN), millis)
    .refine((o) => Object.keys(o).length <= LIMITS.maxPhases).optional(),
  attributes: z.record(
    z.string().max(LIMITS.maxAttributeKeyLength).regex(ATTRIBUTE_KEY_PATTERN),
    z.union([z.string().max(LIMITS.maxAttributeValueLength), z.number(), z.boolean()]),
  ).refine((o) => Object.keys(o).length <= LIMITS.maxAttributes).optional(),
});

/** Median events/s over `runs` runs, each `reps` passes over the batch, after a JIT warm-up of ≥ 100k events. */
function measure(events: readonly unknown[], runs: number, reps: number, pass: () => number): number {
  for (let i = 0; i < Math.max(3, Math.ceil(100_000 / events.length)); i++) pass();
  const rates: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = process.hrtime.bigint();
    let ok = 0;
    for (let i = 0; i < reps; i++) ok += pass();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (ok !== events.length * reps) throw new Error(`expected every generated event to be valid, got ${ok / reps}`);
    rates.push((events.length * reps) / seconds);
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)] ?? 0;
}

const fmt = (n: number): string => `${(n / 1e6).toFixed(2)} M`;

const bench: Bench = async (opts: BenchOptions): Promise<BenchSection> => {
  const nowMs = Date.now();
  const events = realisticEvents(opts.quick ? 2_000 : 10_000, nowMs);
  const runs = opts.quick ? 3 : 9;
  const reps = opts.quick ? 2 : 20;

  const full = measure(events, runs, reps, () => validateEvents(events, nowMs).records.length);
  const ajvOnly = measure(events, runs, reps, () => {
    let ok = 0;
    for (const e of events) if (checkEventSchema(e)) ok++;
    return ok;
  });
  const zod = measure(events, runs, reps, () => {
    let ok = 0;
    for (const e of events) if (zodEvent.safeParse(e).success) ok++;
    return ok;
  });

  const met = full >= TARGET_EVENTS_PER_S;
  const markdown = [
    `${events.length.toLocaleString('en-US')} generated events (75 % LLM calls with 20 fields, phases and attributes;`
      + ' messages with text, HTTP requests, errors; `ts` half epoch ms, half RFC 3339), one core,'
      + ` median of ${runs} runs of ${reps} passes.`,
    '',
    '| validator | events/s |',
    '| --- | ---: |',
    `| \`validateEvents\` (ajv check + normalisation to EventRecord) | ${fmt(full)} |`,
    `| ajv check alone (compiled EVENT_JSON_SCHEMA) | ${fmt(ajvOnly)} |`,
    `| zod 4 \`safeParse\`, same rules | ${fmt(zod)} |`,
    '',
    `ajv is ${(ajvOnly / zod).toFixed(1)}× zod 4 on the check alone; normalisation takes`
      + ` ${Math.round((1 - full / ajvOnly) * 100)} % of the ingest validation time.`,
    `Target ≥ 1M events/s for \`validateEvents\`: **${met ? 'met' : 'missed'}**`
      + (met ? '.' : ` (${Math.round((full / TARGET_EVENTS_PER_S) * 100)} % of it).`)
      + (opts.quick ? ' (quick run: sizes too small for a figure.)' : ''),
  ].join('\n');

  return {
    id: 'validation',
    title: 'Event validation',
    markdown,
    results: {
      events: events.length,
      validate_events_per_s: Math.round(full),
      ajv_check_events_per_s: Math.round(ajvOnly),
      zod_events_per_s: Math.round(zod),
      ajv_over_zod: Number((ajvOnly / zod).toFixed(2)),
      target_events_per_s: TARGET_EVENTS_PER_S,
      target_met: met ? 'yes' : 'no',
    },
  };
};

export default bench;

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const section = await bench({ quick: process.argv.includes('--quick'), tmpDir: '' });
  console.log(section.markdown);
  console.log(JSON.stringify(section.results));
}
