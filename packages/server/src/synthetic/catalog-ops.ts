/**
 * The non-LLM side of the synthetic cast: Discord guilds and channels (seed 001), the HTTP API, the
 * job queues, plans and payments (seed 002).
 */

/** Seed 001 shows three active guilds; a fourth, small one keeps "top guilds" from being trivial. */
export const GUILDS: readonly (readonly [name: string, weight: number])[] = [
  ['sixth-house', 45],
  ['tarkov-raiders', 25],
  ['the-swamp', 18],
  ['discovery-one', 12],
];

/** Channel names recur in every guild, as on Discord; voice-chat replies are mostly voiced. */
export const CHANNELS: readonly (readonly [name: string, weight: number])[] = [
  ['general', 35],
  ['gaming', 15],
  ['memes', 12],
  ['off-topic', 12],
  ['bot-commands', 10],
  ['philosophy', 6],
  ['voice-chat', 6],
  ['help', 4],
];
export const VOICE_CHANNEL = 'voice-chat';

export interface RouteSpec {
  readonly method: string;
  readonly route: string;
  readonly medianMs: number;
  readonly weight: number;
}

export const ROUTES: readonly RouteSpec[] = [
  { method: 'POST', route: '/v1/chat/:id', medianMs: 950, weight: 26 },
  { method: 'GET', route: '/v1/conversations/:id', medianMs: 38, weight: 15 },
  { method: 'GET', route: '/v1/users/:id', medianMs: 22, weight: 12 },
  { method: 'GET', route: '/health', medianMs: 2, weight: 10 },
  { method: 'GET', route: '/v1/prompts', medianMs: 30, weight: 8 },
  { method: 'POST', route: '/v1/prompts/:id/run', medianMs: 1300, weight: 8 },
  { method: 'POST', route: '/v1/images/generate', medianMs: 140, weight: 6 },
  { method: 'POST', route: '/v1/auth/login', medianMs: 110, weight: 5 },
  { method: 'PATCH', route: '/v1/users/:id/settings', medianMs: 45, weight: 4 },
  { method: 'POST', route: '/v1/payments/checkout', medianMs: 420, weight: 3 },
  { method: 'POST', route: '/v1/webhooks/stripe', medianMs: 60, weight: 2 },
  { method: 'DELETE', route: '/v1/conversations/:id', medianMs: 35, weight: 1 },
];
/** Client errors ~4% (not failures of the service: status stays ok), server errors 1.5% (status error). */
export const HTTP_4XX: readonly (readonly [number, number])[] = [[400, 30], [401, 20], [404, 35], [422, 5], [429, 10]];
export const HTTP_5XX: readonly (readonly [number, number])[] = [[500, 45], [502, 25], [503, 20], [504, 10]];
export const HTTP_4XX_RATE = 0.04;
export const HTTP_5XX_RATE = 0.015;

export interface JobSpec {
  readonly name: string;
  readonly queue: 'main-queue' | 'image-queue';
  readonly medianMs: number;
  readonly sigma: number;
  readonly weight: number;
}

export const JOBS: readonly JobSpec[] = [
  { name: 'image-generation', queue: 'image-queue', medianMs: 8_500, sigma: 0.45, weight: 30 },
  { name: 'image-upscale', queue: 'image-queue', medianMs: 3_200, sigma: 0.4, weight: 8 },
  { name: 'tts-render', queue: 'main-queue', medianMs: 1_400, sigma: 0.5, weight: 22 },
  { name: 'embedding-index', queue: 'main-queue', medianMs: 600, sigma: 0.6, weight: 20 },
  { name: 'memory-summarize', queue: 'main-queue', medianMs: 2_600, sigma: 0.5, weight: 12 },
  { name: 'email-digest', queue: 'main-queue', medianMs: 300, sigma: 0.5, weight: 6 },
  { name: 'rag-reindex', queue: 'main-queue', medianMs: 45_000, sigma: 0.35, weight: 2 },
];
export const JOB_FAILURE_RATE = 0.03;
export const JOB_ERRORS: readonly (readonly [type: string, message: string, severity: 'medium' | 'high'])[] = [
  ['TimeoutError', 'Job exceeded its 120 s time limit', 'medium'],
  ['UpstreamError', 'Image backend returned 502 Bad Gateway', 'medium'],
  ['OutOfMemoryError', 'CUDA out of memory while allocating 2.0 GiB', 'high'],
];

export interface PlanSpec {
  readonly name: string;
  readonly priceUsd: number;
  /** Share of users on this plan. */
  readonly userShare: number;
  /** Share of payments for this plan. */
  readonly paymentShare: number;
}

export const PLANS: readonly PlanSpec[] = [
  { name: 'free', priceUsd: 0, userShare: 78, paymentShare: 0 },
  { name: 'basic', priceUsd: 4.99, userShare: 12, paymentShare: 45 },
  { name: 'premium', priceUsd: 9.99, userShare: 7, paymentShare: 38 },
  { name: 'pro', priceUsd: 19.99, userShare: 3, paymentShare: 17 },
];
export const PAYMENT_METHODS: readonly (readonly [string, number])[] = [
  ['card', 70], ['paypal', 15], ['apple_pay', 8], ['google_pay', 5], ['crypto', 2],
];
export const PAYMENT_FAILURE_RATE = 0.07;
export const PAYMENT_ERRORS: readonly (readonly [type: string, message: string, severity: 'medium' | 'high', weight: number])[] = [
  ['card_declined', 'Your card was declined.', 'medium', 50],
  ['insufficient_funds', 'Your card has insufficient funds.', 'medium', 25],
  ['expired_card', 'Your card has expired.', 'medium', 15],
  ['processing_error', 'An error occurred while processing your card. Try again in a little bit.', 'high', 10],
];
/** A tenth of payments are annual: ten months' price. */
export const ANNUAL_SHARE = 0.1;

export const USER_ACTIONS: readonly (readonly [string, number])[] = [['active', 55], ['login', 25], ['signup', 15], ['upgrade', 5]];
export const PLATFORMS: readonly (readonly [string, number])[] = [['desktop', 55], ['mobile', 35], ['web', 10]];
