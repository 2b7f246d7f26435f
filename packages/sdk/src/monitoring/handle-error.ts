import { errorMessageOf, errorTypeOf, severityOf } from './error-info.js';
import { toAttributes } from './core.js';
import type { MonitoringCore } from './core.js';
import type { ErrorContext } from './types.js';

const SKIP = new Set(['severity']);

/** The context as an object: a string, number or array from an untyped caller becomes `{ context }`. */
function contextObject(context: unknown): ErrorContext | undefined {
  if (context === undefined || context === null) return undefined;
  if (typeof context === 'object' && !Array.isArray(context)) return context as ErrorContext;
  return { context };
}

/**
 * seed 002's `handleError(error, context)`: counts `errors_total{service,error_type,severity}`, ships an
 * `error` event with the context as attributes, and forwards to Sentry when a DSN is configured.
 */
export function handleError(core: MonitoringCore, error: unknown, given?: ErrorContext): void {
  const context = contextObject(given);
  const errorType = errorTypeOf(error);
  const severity = severityOf(error, errorType, context?.severity);
  core.metrics.errors.inc({ service: core.service, error_type: core.label('error_type', errorType), severity });
  core.ship({
    type: 'error',
    name: errorType.slice(0, 256),
    status: 'error',
    error_type: errorType,
    error_message: errorMessageOf(error),
    severity,
    attributes: toAttributes(context, SKIP),
  });
  core.sentry?.capture(error, { service: core.service, error_type: errorType, severity }, { ...context });
}
