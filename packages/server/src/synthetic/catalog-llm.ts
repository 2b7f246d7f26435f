/**
 * The LLM side of the synthetic cast: models with their list prices and speeds, the four personas
 * of seed 001, the prompt catalogue of seed 004 and the error taxonomy of seed 001.
 *
 * Prices are public list prices (USD per million tokens, as of mid-2025) and only document the relative
 * costs; events leave `cost_usd` absent (except a few "client-priced" ones) so the server's pricing
 * table is what prices them. Speeds are typical published throughput (output tokens/s) and
 * time-to-first-token medians; bigger models are slower.
 */

export interface ModelSpec {
  readonly model: string;
  readonly provider: string;
  readonly inputPerMTok: number;
  readonly outputPerMTok: number;
  /** Median output tokens per second. */
  readonly tokensPerSec: number;
  /** Median time to first token for a small prompt, ms. */
  readonly ttftMs: number;
  /** Extra time to first token per input token (prefill), ms. */
  readonly prefillMsPerToken: number;
  /** Share of the API (prompt-ops) traffic, and of the bot traffic not routed to a persona's own model. */
  readonly weight: number;
}

export const MODELS: readonly ModelSpec[] = [
  { model: 'gpt-4o-mini', provider: 'openai', inputPerMTok: 0.15, outputPerMTok: 0.6, tokensPerSec: 120, ttftMs: 350, prefillMsPerToken: 0.02, weight: 40 },
  { model: 'gpt-4o', provider: 'openai', inputPerMTok: 2.5, outputPerMTok: 10, tokensPerSec: 85, ttftMs: 480, prefillMsPerToken: 0.05, weight: 15 },
  { model: 'claude-3-5-sonnet-20241022', provider: 'anthropic', inputPerMTok: 3, outputPerMTok: 15, tokensPerSec: 60, ttftMs: 800, prefillMsPerToken: 0.06, weight: 12 },
  { model: 'claude-3-5-haiku-20241022', provider: 'anthropic', inputPerMTok: 0.8, outputPerMTok: 4, tokensPerSec: 70, ttftMs: 600, prefillMsPerToken: 0.03, weight: 10 },
  { model: 'gemini-1.5-flash', provider: 'google', inputPerMTok: 0.075, outputPerMTok: 0.3, tokensPerSec: 180, ttftMs: 380, prefillMsPerToken: 0.015, weight: 10 },
  { model: 'mistral-small-latest', provider: 'mistral', inputPerMTok: 0.1, outputPerMTok: 0.3, tokensPerSec: 100, ttftMs: 320, prefillMsPerToken: 0.02, weight: 5 },
  // Local inference through ollama: free, but slow on a consumer GPU (seed 001: 45 tokens/s).
  { model: 'llama3.2', provider: 'ollama', inputPerMTok: 0, outputPerMTok: 0, tokensPerSec: 45, ttftMs: 250, prefillMsPerToken: 0.08, weight: 8 },
];

export type Tone = 'positive' | 'neutral' | 'negative';

export interface PersonaSpec {
  readonly name: string;
  /** Share of chat traffic (seed 001: scav is the most engaged). */
  readonly popularity: number;
  /** The model this persona runs on for half its replies; the rest follow MODELS weights. */
  readonly primaryModel: string;
  readonly systemPromptTokens: number;
  /** Median reply length in output tokens (seed 001: dagoth_ur averages 156 characters). */
  readonly replyTokens: number;
  /** Tone of the conversation it attracts: [positive, neutral, negative] (seed 001: dagoth_ur 35/50/15; scav runs negative). */
  readonly tone: readonly [number, number, number];
  /** Probability of a voiced (TTS) reply outside voice channels. */
  readonly ttsRate: number;
  /** Probabilities of feedback scores 1..5 (seed 001: hal9000 has the highest satisfaction). */
  readonly feedback: readonly [number, number, number, number, number];
}

export const PERSONAS: readonly PersonaSpec[] = [
  { name: 'scav', popularity: 34, primaryModel: 'gpt-4o-mini', systemPromptTokens: 620, replyTokens: 45, tone: [0.22, 0.38, 0.4], ttsRate: 0.05, feedback: [0.06, 0.08, 0.16, 0.33, 0.37] },
  { name: 'dagoth_ur', popularity: 28, primaryModel: 'llama3.2', systemPromptTokens: 940, replyTokens: 40, tone: [0.35, 0.5, 0.15], ttsRate: 0.15, feedback: [0.05, 0.07, 0.15, 0.35, 0.38] },
  { name: 'toad', popularity: 22, primaryModel: 'claude-3-5-haiku-20241022', systemPromptTokens: 450, replyTokens: 35, tone: [0.45, 0.4, 0.15], ttsRate: 0.05, feedback: [0.04, 0.06, 0.14, 0.36, 0.4] },
  { name: 'hal9000', popularity: 16, primaryModel: 'claude-3-5-sonnet-20241022', systemPromptTokens: 760, replyTokens: 55, tone: [0.3, 0.6, 0.1], ttsRate: 0.12, feedback: [0.02, 0.03, 0.08, 0.3, 0.57] },
];

/** Persona → persona affinity, 0–100 (seed 001's relationship matrix); the pair weight sets banter frequency. */
export const RELATIONSHIPS: readonly (readonly [from: string, to: string, affinity: number, weight: number])[] = [
  ['scav', 'toad', 85, 30],
  ['toad', 'scav', 85, 24],
  ['dagoth_ur', 'scav', 72, 12],
  ['scav', 'dagoth_ur', 72, 10],
  ['dagoth_ur', 'hal9000', 68, 8],
  ['hal9000', 'dagoth_ur', 66, 6],
  ['dagoth_ur', 'toad', 55, 5],
  ['toad', 'dagoth_ur', 52, 4],
  ['hal9000', 'toad', 47, 3],
  ['scav', 'hal9000', 40, 3],
];
export const BANTER_TOPICS: readonly string[] = ['gaming', 'movies', 'food', 'philosophy', 'morrowind', 'space', 'music'];

export interface PromptSpec {
  readonly id: string;
  /** Median prompt size (template + context), tokens. */
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly weight: number;
}

/** Seed 004's prompt-ops traffic: templates called through the API by tenants. */
export const API_PROMPTS: readonly PromptSpec[] = [
  { id: 'support-reply-v4', inputTokens: 1800, outputTokens: 320, weight: 22 },
  { id: 'summarize-thread-v2', inputTokens: 3200, outputTokens: 220, weight: 18 },
  { id: 'rag-answer-v7', inputTokens: 4200, outputTokens: 380, weight: 16 },
  { id: 'moderation-check-v1', inputTokens: 400, outputTokens: 12, weight: 14 },
  { id: 'title-generator-v3', inputTokens: 600, outputTokens: 18, weight: 10 },
  { id: 'translate-v2', inputTokens: 900, outputTokens: 700, weight: 8 },
  { id: 'sql-assistant-v1', inputTokens: 2400, outputTokens: 260, weight: 7 },
  { id: 'image-caption-v1', inputTokens: 1100, outputTokens: 60, weight: 5 },
];
export const API_TENANTS: readonly string[] = ['acme', 'globex', 'initech', 'umbrella', 'hooli', 'stark'];

export interface ErrorKind {
  readonly type: string;
  readonly severity: 'low' | 'medium' | 'high' | 'critical';
  readonly weight: number;
}

/** Seed 001's error categories with their severities and relative frequencies. */
export const LLM_ERRORS: readonly ErrorKind[] = [
  { type: 'API Timeout', severity: 'medium', weight: 42 },
  { type: 'Rate Limit', severity: 'high', weight: 25 },
  { type: 'Network Error', severity: 'medium', weight: 21 },
  { type: 'Memory Error', severity: 'high', weight: 12 },
];
export const APP_ERRORS: readonly ErrorKind[] = [
  ...LLM_ERRORS,
  { type: 'Validation Error', severity: 'low', weight: 30 },
  // The rare one that pages someone (seed 002's CriticalErrorRate alert).
  { type: 'Memory Error', severity: 'critical', weight: 3 },
];

/** A plausible error message for an error type, per provider. Built once per (type, provider). */
export function errorMessage(type: string, provider: string): string {
  switch (type) {
    case 'API Timeout': return `Request to ${provider} timed out after 30000 ms`;
    case 'Rate Limit': return `429 Too Many Requests from ${provider}: rate limit exceeded, retry after 20s`;
    case 'Network Error': return `ECONNRESET: connection to ${provider} reset by peer`;
    case 'Memory Error': return 'Context window exceeded: conversation history does not fit in the model context';
    case 'Validation Error': return 'Invalid input: message content failed validation (empty or too long)';
    default: return `${type} (${provider})`;
  }
}
