/**
 * @pulse/sdk — what an application puts into its own process to report to Pulse.
 *
 * - `Monitoring`: seed 002's facade (KPIs, errors, queue timers, alerts, local `/metrics`).
 * - `PulseClient`: the batching transport underneath (track, flush, shutdown).
 * - Instrumentation: HTTP middlewares, OpenAI/Anthropic wrappers, phase timers, a pino preset.
 */
export { Monitoring } from './monitoring/monitoring.js';
export type {
  ActiveUserData, ErrorContext, GenerationFailureData, GenerationSuccessData, JobOutcome, KPI, MonitoringOptions,
  PaymentData, PaymentFailureData, TokenSpendData,
} from './monitoring/types.js';
export type { TrackContext } from './monitoring/context.js';
export type { MetricsServer } from './monitoring/metrics-server.js';
export type { SentryLike } from './monitoring/sentry.js';
export type { SeedMetrics } from './monitoring/prom-metrics.js';

export * from './transport/index.js';
export type { AttributeValue, EventInput, Severity, Status } from '@pulse/protocol';

export { instrumentHttpListener } from './instrument/node-http.js';
export type { NodeHttpOptions } from './instrument/node-http.js';
export { expressMiddleware } from './instrument/express.js';
export type { ExpressLikeRequest, ExpressLikeResponse } from './instrument/express.js';
export { fastifyOnResponse, fastifyPlugin } from './instrument/fastify.js';
export type { FastifyLikeInstance, FastifyLikeReply, FastifyLikeRequest } from './instrument/fastify.js';
export { templateFromUrl } from './instrument/route.js';
export { wrapOpenAI } from './instrument/llm/openai.js';
export { wrapAnthropic } from './instrument/llm/anthropic.js';
export type { LLMWrapOptions } from './instrument/llm/call.js';
export type * from './instrument/llm/shapes.js';
export { PhaseTimer } from './instrument/phases.js';
export type { FeedbackInfo, InteractionInfo, MessageInfo } from './instrument/conversation.js';
export { SESSION_GAP_MS, Sessions } from './instrument/persona.js';
export type { AffinityInfo, BanterInfo, EvolutionInfo } from './instrument/persona.js';
export type { EventSink, HttpRecorder, HttpSample, LLMCall, LLMContext, LLMRecorder } from './instrument/types.js';
export { REDACT_PATHS, createLogger } from './instrument/logger.js';
export type { LoggerPresetOptions } from './instrument/logger.js';
