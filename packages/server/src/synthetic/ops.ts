/**
 * Service traffic (seed 002): HTTP requests by route template, queue jobs, payments and stand-alone
 * application errors. Durations are log-normal around each route's or job's median.
 */
import type { EventInput } from '@pulse/protocol';
import { outcome } from './outcome.js';
import { APP_ERRORS, errorMessage } from './catalog-llm.js';
import {
  ANNUAL_SHARE, HTTP_4XX, HTTP_4XX_RATE, HTTP_5XX, HTTP_5XX_RATE, JOBS, JOB_ERRORS, JOB_FAILURE_RATE,
  PAYMENT_ERRORS, PAYMENT_FAILURE_RATE, PAYMENT_METHODS, PLANS, ROUTES,
} from './catalog-ops.js';
import { weighted } from './prng.js';
import type { World } from './world.js';

const route = weighted(ROUTES.map((r) => [r, r.weight] as const));
const code4xx = weighted(HTTP_4XX);
const code5xx = weighted(HTTP_5XX);
const STATUS_TEXT: Readonly<Record<number, string>> = { 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' };
const job = weighted(JOBS.map((j) => [j, j.weight] as const));
const plan = weighted(PLANS.filter((p) => p.paymentShare > 0).map((p) => [p, p.paymentShare] as const));
const method = weighted(PAYMENT_METHODS);
const paymentError = weighted(PAYMENT_ERRORS.map((e) => [e, e[3]] as const));
const appError = weighted(APP_ERRORS.map((e) => [e, e.weight] as const));
const ERROR_SOURCES = ['bot', 'bot', 'bot', 'api', 'api', 'worker'] as const;
const ERROR_COMPONENT: Readonly<Record<string, string>> = { bot: 'on_message', api: 'request_handler', worker: 'job_runner' };
const PROVIDERS = ['openai', 'anthropic', 'google', 'mistral', 'ollama'] as const;
const APP_ERROR_MESSAGES: ReadonlyMap<string, string> = new Map(
  APP_ERRORS.flatMap((e) => PROVIDERS.map((p) => [`${e.type}|${p}`, errorMessage(e.type, p)] as const)),
);

export function httpRequest(world: World, ts: number): EventInput {
  const r = world.rng;
  const rt = route.draw(r);
  const x = r.float();
  const status = x < HTTP_5XX_RATE ? code5xx.draw(r) : x < HTTP_5XX_RATE + HTTP_4XX_RATE ? code4xx.draw(r) : rt.method === 'POST' && rt.route.endsWith('generate') ? 202 : rt.method === 'DELETE' ? 204 : 200;
  const median = status === 504 ? 30_000 : status === 503 || status === 429 || status === 401 ? 4 : rt.medianMs;
  const e: EventInput = {
    ts, type: 'http', name: rt.route, service: 'api', environment: 'prod',
    duration_ms: Math.max(1, Math.round(r.logNormal(median, status === 504 ? 0.02 : 0.55))),
    attributes: { method: rt.method, status_code: status },
  };
  if (r.chance(0.7)) e.user_id = world.users[world.pick.user.draw(r)]!.id;
  return outcome(
    e,
    status >= 500
      ? [`HTTP ${status}`, `${status} ${STATUS_TEXT[status] ?? 'Server Error'} on ${rt.method} ${rt.route}`, status === 500 ? 'high' : 'medium']
      : null,
  );
}

export function queueJob(world: World, ts: number): EventInput {
  const r = world.rng;
  const j = job.draw(r);
  const failed = r.chance(JOB_FAILURE_RATE);
  const e: EventInput = {
    ts, type: 'job', name: j.name, service: 'worker', environment: 'prod',
    duration_ms: Math.max(1, Math.round(r.logNormal(j.medianMs, j.sigma))),
    attributes: { queue_name: j.queue, attempts: failed ? 3 : r.chance(0.04) ? 2 : 1 },
  };
  if (r.chance(0.8)) e.user_id = world.users[world.pick.user.draw(r)]!.id;
  return outcome(e, failed ? r.pick(JOB_ERRORS) : null);
}

export function payment(world: World, ts: number): EventInput {
  const r = world.rng;
  const p = plan.draw(r);
  const annual = r.chance(ANNUAL_SHARE);
  const e: EventInput = {
    ts, type: 'payment', name: annual ? 'subscription_annual' : 'subscription_monthly', service: 'api', environment: 'prod',
    user_id: world.users[world.pick.user.draw(r)]!.id,
    value: annual ? Math.round(p.priceUsd * 1000) / 100 : p.priceUsd,
    attributes: { payment_method: method.draw(r), plan: p.name, currency: 'USD' },
  };
  return outcome(e, r.chance(PAYMENT_FAILURE_RATE) ? paymentError.draw(r) : null);
}

/** An error reported on its own (not tied to a request event), as `monitoring.handleError` sends. */
export function appErrorEvent(world: World, ts: number): EventInput {
  const r = world.rng;
  const kind = appError.draw(r);
  const source = r.pick(ERROR_SOURCES);
  const e: EventInput = {
    ts, type: 'error', name: ERROR_COMPONENT[source], service: source, environment: 'prod', status: 'error',
    error_type: kind.type, error_message: APP_ERROR_MESSAGES.get(`${kind.type}|${r.pick(PROVIDERS)}`)!, severity: kind.severity,
  };
  if (source === 'bot') e.persona = world.personas[world.pick.persona.draw(r)]!.name;
  return e;
}
