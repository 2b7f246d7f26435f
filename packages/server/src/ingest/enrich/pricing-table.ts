/**
 * Shipped LLM list prices, in USD per million tokens (input / output), used for `cost_usd` when an
 * event carries tokens and a model but no cost.
 *
 * These are vendors' public list prices as of each row's `effective_from` date (the announcement
 * date), for standard, non-batch, non-cached usage and the smallest context tier. They are not
 * what a given account pays: batch and cached-input discounts, long-context tiers, reasoning
 * surcharges and negotiated rates are ignored. Override any of them from the config file
 * (`pricing:` in PULSE_CONFIG); an override wins over this table.
 *
 * OpenAI      gpt-4o 5/15 → 2.50/10 (2024-08-06) · gpt-4o-mini 0.15/0.60 · gpt-4.1 2/8 · -mini 0.40/1.60 ·
 *             -nano 0.10/0.40 · gpt-4-turbo 10/30 · gpt-4 30/60 · gpt-4-32k 60/120 · gpt-3.5-turbo 2/2 →
 *             0.50/1.50 (2024-01-25) · o1 15/60 · o1-mini 3/12 · o1-pro 150/600 · o3 10/40 → 2/8
 *             (2025-06-10) · o3-mini 1.10/4.40 · o3-pro 20/80 · o4-mini 1.10/4.40 · gpt-5 1.25/10 ·
 *             -mini 0.25/2 · -nano 0.05/0.40
 * Anthropic   claude-3-haiku 0.25/1.25 · claude-3-sonnet, 3.5 sonnet, 3.7 sonnet, sonnet 4 (4.5) 3/15 ·
 *             claude-3-opus, opus 4 (4.1) 15/75 · opus 4.5 5/25 · claude-3-5-haiku 0.80/4 · haiku 4.5 1/5
 * Google      gemini-1.5-pro 3.50/10.50 → 1.25/5 (2024-10-01) · gemini-1.5-flash 0.35/1.05 → 0.075/0.30
 *             (2024-08-12) · -flash-8b 0.0375/0.15 · gemini-2.0-flash 0.10/0.40 · -lite 0.075/0.30 ·
 *             gemini-2.5-pro 1.25/10 · gemini-2.5-flash 0.15/0.60 → 0.30/2.50 (GA) · -lite 0.10/0.40
 * Mistral     large 8/24 → 3/9 → 2/6 · medium 2.70/8.10 → 0.40/2 · small 2/6 → 0.20/0.60 → 0.10/0.30 ·
 *             codestral 1/3 → 0.20/0.60 → 0.30/0.90 · mixtral 8x7b 0.70/0.70 · 8x22b 2/6 ·
 *             open-mistral-nemo 0.30/0.30 → 0.15/0.15
 * Meta Llama  3.x 3B 0.06 · 8B 0.18 · 70B 0.88 · 405B 3.50 (input = output): Meta sells no API, so these
 *             are a typical hosted price (Together AI's list price); other hosts differ — override
 *             per provider. A Llama name without a size (`llama3.2`) is not priced.
 * Ollama      every model 0 when the event's provider is `ollama`: local inference has no per-token
 *             price. Only the provider says a model is local — `llama3.1:70b` from another provider
 *             gets the hosted price — so the same name is never silently free.
 *
 * Which row applies (pricing.ts): config overrides are tried first, by the same rules, and an override
 * applies to every name its pattern matches (anchor it, `^gpt-4o$`, to price one model). Among rows
 * whose pattern matches the model name (case-insensitive)
 * and whose `provider`, if set, equals the event's provider, a provider-restricted row wins, then the
 * row whose pattern matches the longest part of the name (so `gpt-4o-mini` beats `gpt-4o`, and
 * `gpt-4o-2024-05-13` beats both), then the earlier row. Rows sharing a pattern form a dated series:
 * the latest `effective_from` not after the event's `ts` applies, and an event dated before a
 * series' first row gets that first price. Each row's `examples` must resolve to that row (tested).
 */

export type Vendor = 'openai' | 'anthropic' | 'google' | 'mistral' | 'meta' | 'local';

export interface PriceRow {
  /** Matched case-insensitively, anywhere in the model name. */
  pattern: RegExp;
  /** Whose list price this is (documentation only). */
  vendor: Vendor;
  /** When set, the row applies only to events whose `provider` equals it (case-insensitive). */
  provider?: string;
  /** UTC date (YYYY-MM-DD) from which the price applies. */
  effective_from: string;
  input_per_mtok: number;
  output_per_mtok: number;
  source: string;
  /** Model names that must resolve to this row at its effective date. */
  examples: readonly string[];
}

/** A name boundary on the left, so `o1` does not match inside `pro1` and `gpt-4o` not inside `chatgpt-4o`. */
const B = String.raw`(?<![\w.])`;
const re = (source: string): RegExp => new RegExp(source);

const OPENAI = 'OpenAI pricing page and launch announcement';
const ANTHROPIC = 'Anthropic pricing page and model announcement';
const GOOGLE = 'Gemini API pricing page (paid tier, prompts up to 128k/200k tokens)';
const MISTRAL = 'Mistral AI pricing page and announcements';
const TOGETHER = 'Together AI list price (Turbo endpoints), a typical hosted price';

export const PRICE_TABLE: readonly PriceRow[] = [
  // OpenAI
  { pattern: re(`${B}gpt-4o-2024-05-13`), vendor: 'openai', effective_from: '2024-05-13', input_per_mtok: 5, output_per_mtok: 15, source: `${OPENAI}; the first snapshot keeps its launch price`, examples: ['gpt-4o-2024-05-13'] },
  { pattern: re(`${B}gpt-4o`), vendor: 'openai', effective_from: '2024-05-13', input_per_mtok: 5, output_per_mtok: 15, source: OPENAI, examples: ['gpt-4o', 'openai/gpt-4o'] },
  { pattern: re(`${B}gpt-4o`), vendor: 'openai', effective_from: '2024-08-06', input_per_mtok: 2.5, output_per_mtok: 10, source: `${OPENAI}; gpt-4o-2024-08-06 (the bare alias moved to it on 2024-10-02)`, examples: ['gpt-4o', 'GPT-4o-2024-08-06', 'gpt-4o-2024-11-20'] },
  { pattern: re(`${B}gpt-4o-mini`), vendor: 'openai', effective_from: '2024-07-18', input_per_mtok: 0.15, output_per_mtok: 0.6, source: OPENAI, examples: ['gpt-4o-mini', 'gpt-4o-mini-2024-07-18'] },
  { pattern: re(`${B}gpt-4\\.1`), vendor: 'openai', effective_from: '2025-04-14', input_per_mtok: 2, output_per_mtok: 8, source: OPENAI, examples: ['gpt-4.1', 'gpt-4.1-2025-04-14'] },
  { pattern: re(`${B}gpt-4\\.1-mini`), vendor: 'openai', effective_from: '2025-04-14', input_per_mtok: 0.4, output_per_mtok: 1.6, source: OPENAI, examples: ['gpt-4.1-mini'] },
  { pattern: re(`${B}gpt-4\\.1-nano`), vendor: 'openai', effective_from: '2025-04-14', input_per_mtok: 0.1, output_per_mtok: 0.4, source: OPENAI, examples: ['gpt-4.1-nano-2025-04-14'] },
  { pattern: re(`${B}gpt-4-(?:turbo|\\d{4}-preview|vision-preview)`), vendor: 'openai', effective_from: '2023-11-06', input_per_mtok: 10, output_per_mtok: 30, source: OPENAI, examples: ['gpt-4-turbo', 'gpt-4-turbo-2024-04-09', 'gpt-4-1106-preview', 'gpt-4-0125-preview'] },
  { pattern: re(`${B}gpt-4-32k`), vendor: 'openai', effective_from: '2023-03-14', input_per_mtok: 60, output_per_mtok: 120, source: OPENAI, examples: ['gpt-4-32k-0613'] },
  // Not followed by a letter, digit or dot: gpt-4.5 and gpt-4o are other models.
  { pattern: re(`${B}gpt-4(?![\\w.])`), vendor: 'openai', effective_from: '2023-03-14', input_per_mtok: 30, output_per_mtok: 60, source: OPENAI, examples: ['gpt-4', 'gpt-4-0613'] },
  { pattern: re(`${B}gpt-3\\.5-turbo`), vendor: 'openai', effective_from: '2023-03-01', input_per_mtok: 2, output_per_mtok: 2, source: OPENAI, examples: ['gpt-3.5-turbo'] },
  { pattern: re(`${B}gpt-3\\.5-turbo`), vendor: 'openai', effective_from: '2023-06-13', input_per_mtok: 1.5, output_per_mtok: 2, source: OPENAI, examples: ['gpt-3.5-turbo-0613'] },
  { pattern: re(`${B}gpt-3\\.5-turbo`), vendor: 'openai', effective_from: '2023-11-06', input_per_mtok: 1, output_per_mtok: 2, source: OPENAI, examples: ['gpt-3.5-turbo-1106'] },
  { pattern: re(`${B}gpt-3\\.5-turbo`), vendor: 'openai', effective_from: '2024-01-25', input_per_mtok: 0.5, output_per_mtok: 1.5, source: `${OPENAI}; older snapshots kept their prices (override if you pin one)`, examples: ['gpt-3.5-turbo', 'gpt-3.5-turbo-0125'] },
  { pattern: re(`${B}o1(?![\\w.])`), vendor: 'openai', effective_from: '2024-09-12', input_per_mtok: 15, output_per_mtok: 60, source: OPENAI, examples: ['o1', 'o1-preview', 'o1-2024-12-17', 'openai/o1'] },
  { pattern: re(`${B}o1-mini`), vendor: 'openai', effective_from: '2024-09-12', input_per_mtok: 3, output_per_mtok: 12, source: `${OPENAI}; later listed at 1.10/4.40 — override if that applies to you`, examples: ['o1-mini', 'o1-mini-2024-09-12'] },
  { pattern: re(`${B}o1-pro`), vendor: 'openai', effective_from: '2025-03-19', input_per_mtok: 150, output_per_mtok: 600, source: OPENAI, examples: ['o1-pro'] },
  { pattern: re(`${B}o3(?![\\w.])`), vendor: 'openai', effective_from: '2025-04-16', input_per_mtok: 10, output_per_mtok: 40, source: OPENAI, examples: ['o3', 'o3-2025-04-16'] },
  { pattern: re(`${B}o3(?![\\w.])`), vendor: 'openai', effective_from: '2025-06-10', input_per_mtok: 2, output_per_mtok: 8, source: `${OPENAI}; the 80 % price cut`, examples: ['o3'] },
  { pattern: re(`${B}o3-mini`), vendor: 'openai', effective_from: '2025-01-31', input_per_mtok: 1.1, output_per_mtok: 4.4, source: OPENAI, examples: ['o3-mini', 'o3-mini-2025-01-31'] },
  { pattern: re(`${B}o3-pro`), vendor: 'openai', effective_from: '2025-06-10', input_per_mtok: 20, output_per_mtok: 80, source: OPENAI, examples: ['o3-pro'] },
  { pattern: re(`${B}o4-mini`), vendor: 'openai', effective_from: '2025-04-16', input_per_mtok: 1.1, output_per_mtok: 4.4, source: OPENAI, examples: ['o4-mini', 'o4-mini-2025-04-16'] },
  { pattern: re(`${B}gpt-5(?![\\w.])`), vendor: 'openai', effective_from: '2025-08-07', input_per_mtok: 1.25, output_per_mtok: 10, source: OPENAI, examples: ['gpt-5', 'gpt-5-2025-08-07', 'gpt-5-chat-latest'] },
  { pattern: re(`${B}gpt-5-mini`), vendor: 'openai', effective_from: '2025-08-07', input_per_mtok: 0.25, output_per_mtok: 2, source: OPENAI, examples: ['gpt-5-mini'] },
  { pattern: re(`${B}gpt-5-nano`), vendor: 'openai', effective_from: '2025-08-07', input_per_mtok: 0.05, output_per_mtok: 0.4, source: OPENAI, examples: ['gpt-5-nano'] },

  // Anthropic — API, Bedrock (`anthropic.claude-…-v1:0`) and Vertex (`claude-…@date`) names alike.
  { pattern: /claude-3-haiku/, vendor: 'anthropic', effective_from: '2024-03-13', input_per_mtok: 0.25, output_per_mtok: 1.25, source: ANTHROPIC, examples: ['claude-3-haiku-20240307'] },
  { pattern: /claude-3-sonnet/, vendor: 'anthropic', effective_from: '2024-03-04', input_per_mtok: 3, output_per_mtok: 15, source: ANTHROPIC, examples: ['claude-3-sonnet-20240229'] },
  { pattern: /claude-3-opus/, vendor: 'anthropic', effective_from: '2024-03-04', input_per_mtok: 15, output_per_mtok: 75, source: ANTHROPIC, examples: ['claude-3-opus-20240229', 'claude-3-opus-latest'] },
  { pattern: /claude-3[-.]5-sonnet/, vendor: 'anthropic', effective_from: '2024-06-20', input_per_mtok: 3, output_per_mtok: 15, source: ANTHROPIC, examples: ['claude-3-5-sonnet-20241022', 'anthropic.claude-3-5-sonnet-20240620-v1:0', 'claude-3.5-sonnet'] },
  { pattern: /claude-3[-.]5-haiku/, vendor: 'anthropic', effective_from: '2024-11-04', input_per_mtok: 0.8, output_per_mtok: 4, source: `${ANTHROPIC}; the pricing page's 0.80/4 (the launch post said 1/5)`, examples: ['claude-3-5-haiku-20241022', 'claude-3-5-haiku@20241022'] },
  { pattern: /claude-3[-.]7-sonnet/, vendor: 'anthropic', effective_from: '2025-02-24', input_per_mtok: 3, output_per_mtok: 15, source: ANTHROPIC, examples: ['claude-3-7-sonnet-20250219', 'claude-3-7-sonnet-latest'] },
  { pattern: /claude-(?:sonnet-4|4-sonnet)/, vendor: 'anthropic', effective_from: '2025-05-22', input_per_mtok: 3, output_per_mtok: 15, source: `${ANTHROPIC}; Sonnet 4.5 has the same price`, examples: ['claude-sonnet-4-20250514', 'claude-4-sonnet', 'claude-sonnet-4-5', 'claude-sonnet-4@20250514'] },
  { pattern: /claude-(?:opus-4|4-opus)/, vendor: 'anthropic', effective_from: '2025-05-22', input_per_mtok: 15, output_per_mtok: 75, source: `${ANTHROPIC}; Opus 4.1 has the same price`, examples: ['claude-opus-4-20250514', 'claude-4-opus', 'claude-opus-4-1-20250805'] },
  { pattern: /claude-opus-4[-.]5/, vendor: 'anthropic', effective_from: '2025-11-24', input_per_mtok: 5, output_per_mtok: 25, source: ANTHROPIC, examples: ['claude-opus-4-5', 'claude-opus-4-5-20251101'] },
  { pattern: /claude-haiku-4[-.]5/, vendor: 'anthropic', effective_from: '2025-10-15', input_per_mtok: 1, output_per_mtok: 5, source: ANTHROPIC, examples: ['claude-haiku-4-5', 'claude-haiku-4-5-20251001'] },

  // Google
  { pattern: /gemini-1\.5-pro/, vendor: 'google', effective_from: '2024-05-14', input_per_mtok: 3.5, output_per_mtok: 10.5, source: GOOGLE, examples: ['gemini-1.5-pro', 'gemini-1.5-pro-001'] },
  { pattern: /gemini-1\.5-pro/, vendor: 'google', effective_from: '2024-10-01', input_per_mtok: 1.25, output_per_mtok: 5, source: GOOGLE, examples: ['gemini-1.5-pro-002', 'models/gemini-1.5-pro'] },
  { pattern: /gemini-1\.5-flash/, vendor: 'google', effective_from: '2024-05-14', input_per_mtok: 0.35, output_per_mtok: 1.05, source: GOOGLE, examples: ['gemini-1.5-flash'] },
  { pattern: /gemini-1\.5-flash/, vendor: 'google', effective_from: '2024-08-12', input_per_mtok: 0.075, output_per_mtok: 0.3, source: GOOGLE, examples: ['gemini-1.5-flash-002'] },
  { pattern: /gemini-1\.5-flash-8b/, vendor: 'google', effective_from: '2024-10-03', input_per_mtok: 0.0375, output_per_mtok: 0.15, source: GOOGLE, examples: ['gemini-1.5-flash-8b', 'gemini-1.5-flash-8b-001'] },
  { pattern: /gemini-2\.0-flash/, vendor: 'google', effective_from: '2025-02-05', input_per_mtok: 0.1, output_per_mtok: 0.4, source: GOOGLE, examples: ['gemini-2.0-flash', 'gemini-2.0-flash-001'] },
  { pattern: /gemini-2\.0-flash-lite/, vendor: 'google', effective_from: '2025-02-25', input_per_mtok: 0.075, output_per_mtok: 0.3, source: GOOGLE, examples: ['gemini-2.0-flash-lite'] },
  { pattern: /gemini-2\.5-pro/, vendor: 'google', effective_from: '2025-03-25', input_per_mtok: 1.25, output_per_mtok: 10, source: GOOGLE, examples: ['gemini-2.5-pro', 'gemini-2.5-pro-preview-05-06'] },
  { pattern: /gemini-2\.5-flash/, vendor: 'google', effective_from: '2025-04-17', input_per_mtok: 0.15, output_per_mtok: 0.6, source: `${GOOGLE}; preview, output without thinking`, examples: ['gemini-2.5-flash-preview-04-17'] },
  { pattern: /gemini-2\.5-flash/, vendor: 'google', effective_from: '2025-06-17', input_per_mtok: 0.3, output_per_mtok: 2.5, source: `${GOOGLE}; general availability`, examples: ['gemini-2.5-flash'] },
  { pattern: /gemini-2\.5-flash-lite/, vendor: 'google', effective_from: '2025-06-17', input_per_mtok: 0.1, output_per_mtok: 0.4, source: GOOGLE, examples: ['gemini-2.5-flash-lite'] },

  // Mistral
  { pattern: /mistral-large/, vendor: 'mistral', effective_from: '2024-02-26', input_per_mtok: 8, output_per_mtok: 24, source: MISTRAL, examples: ['mistral-large-2402'] },
  { pattern: /mistral-large/, vendor: 'mistral', effective_from: '2024-07-24', input_per_mtok: 3, output_per_mtok: 9, source: `${MISTRAL}; Mistral Large 2`, examples: ['mistral-large-2407'] },
  { pattern: /mistral-large/, vendor: 'mistral', effective_from: '2024-09-17', input_per_mtok: 2, output_per_mtok: 6, source: MISTRAL, examples: ['mistral-large-latest'] },
  { pattern: /mistral-medium/, vendor: 'mistral', effective_from: '2023-12-11', input_per_mtok: 2.7, output_per_mtok: 8.1, source: MISTRAL, examples: ['mistral-medium'] },
  { pattern: /mistral-medium/, vendor: 'mistral', effective_from: '2025-05-07', input_per_mtok: 0.4, output_per_mtok: 2, source: `${MISTRAL}; Mistral Medium 3`, examples: ['mistral-medium-2505', 'mistral-medium-latest'] },
  { pattern: /mistral-small/, vendor: 'mistral', effective_from: '2024-02-26', input_per_mtok: 2, output_per_mtok: 6, source: MISTRAL, examples: ['mistral-small-2402'] },
  { pattern: /mistral-small/, vendor: 'mistral', effective_from: '2024-09-17', input_per_mtok: 0.2, output_per_mtok: 0.6, source: MISTRAL, examples: ['mistral-small-2409'] },
  { pattern: /mistral-small/, vendor: 'mistral', effective_from: '2025-01-30', input_per_mtok: 0.1, output_per_mtok: 0.3, source: `${MISTRAL}; Mistral Small 3`, examples: ['mistral-small-latest'] },
  { pattern: /codestral/, vendor: 'mistral', effective_from: '2024-05-29', input_per_mtok: 1, output_per_mtok: 3, source: MISTRAL, examples: ['codestral-2405'] },
  { pattern: /codestral/, vendor: 'mistral', effective_from: '2024-09-17', input_per_mtok: 0.2, output_per_mtok: 0.6, source: MISTRAL, examples: ['codestral-latest'] },
  { pattern: /codestral/, vendor: 'mistral', effective_from: '2025-01-13', input_per_mtok: 0.3, output_per_mtok: 0.9, source: `${MISTRAL}; Codestral 25.01`, examples: ['codestral-2501'] },
  { pattern: /mixtral/, vendor: 'mistral', effective_from: '2023-12-11', input_per_mtok: 0.7, output_per_mtok: 0.7, source: `${MISTRAL}; Mixtral 8x7B`, examples: ['open-mixtral-8x7b', 'mixtral-8x7b-32768'] },
  { pattern: /mixtral-8x22b/, vendor: 'mistral', effective_from: '2024-04-17', input_per_mtok: 2, output_per_mtok: 6, source: MISTRAL, examples: ['open-mixtral-8x22b'] },
  { pattern: /mistral-nemo/, vendor: 'mistral', effective_from: '2024-07-18', input_per_mtok: 0.3, output_per_mtok: 0.3, source: MISTRAL, examples: ['open-mistral-nemo'] },
  { pattern: /mistral-nemo/, vendor: 'mistral', effective_from: '2024-09-17', input_per_mtok: 0.15, output_per_mtok: 0.15, source: MISTRAL, examples: ['open-mistral-nemo-2407'] },

  // Meta Llama 3.x by size: `Meta-Llama-3.1-8B-Instruct-Turbo`, `llama-3.3-70b-versatile`, `llama3.1:405b`,
  // `meta.llama3-1-70b-instruct-v1:0`, `llama-v3p1-405b-instruct`. The size must not follow a digit.
  { pattern: /llama[-_ ]?v?3.*?(?<![\d.])3b/, vendor: 'meta', effective_from: '2024-09-25', input_per_mtok: 0.06, output_per_mtok: 0.06, source: TOGETHER, examples: ['meta-llama/Llama-3.2-3B-Instruct-Turbo', 'llama3.2:3b'] },
  { pattern: /llama[-_ ]?v?3.*?(?<![\d.])8b/, vendor: 'meta', effective_from: '2024-04-18', input_per_mtok: 0.18, output_per_mtok: 0.18, source: TOGETHER, examples: ['meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo', 'llama-3.1-8b-instant', 'llama3-8b-8192'] },
  { pattern: /llama[-_ ]?v?3.*?(?<![\d.])70b/, vendor: 'meta', effective_from: '2024-04-18', input_per_mtok: 0.88, output_per_mtok: 0.88, source: TOGETHER, examples: ['meta-llama/Llama-3.3-70B-Instruct-Turbo', 'llama-3.3-70b-versatile', 'meta.llama3-1-70b-instruct-v1:0', 'llama3.1:70b'] },
  { pattern: /llama[-_ ]?v?3.*?(?<![\d.])405b/, vendor: 'meta', effective_from: '2024-07-23', input_per_mtok: 3.5, output_per_mtok: 3.5, source: TOGETHER, examples: ['meta-llama/Meta-Llama-3.1-405B-Instruct-Turbo', 'accounts/fireworks/models/llama-v3p1-405b-instruct'] },

  // Local inference: any model, when the event says it ran on Ollama.
  { pattern: /.*/, vendor: 'local', provider: 'ollama', effective_from: '2023-01-01', input_per_mtok: 0, output_per_mtok: 0, source: 'Local inference through Ollama has no per-token price', examples: ['llama3.2', 'llama3.1:70b', 'mistral-small'] },
];
