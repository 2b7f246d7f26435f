import type { Severity } from '@pulse/protocol';
import { SEVERITIES } from '@pulse/protocol';

/** A stable error type for labels and grouping: the error's own name unless it is the generic `Error`. */
export function errorTypeOf(error: unknown): string {
  if (error instanceof Error || (typeof error === 'object' && error !== null && 'message' in error)) {
    const e = error as { name?: unknown; code?: unknown; constructor?: { name?: unknown } };
    if (typeof e.name === 'string' && e.name !== '' && e.name !== 'Error') return e.name.slice(0, 128);
    const ctor = e.constructor?.name;
    if (typeof ctor === 'string' && ctor !== '' && ctor !== 'Error' && ctor !== 'Object') return ctor.slice(0, 128);
    if (typeof e.code === 'string' && e.code !== '') return e.code.slice(0, 128);
    return 'Error';
  }
  return typeof error === 'string' ? 'StringError' : `Non-error ${typeof error}`;
}

export function errorMessageOf(error: unknown): string {
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
    return (error as { message: string }).message;
  }
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

const severities = new Set<string>(SEVERITIES);

/**
 * Severity when the caller gives none, after seed 001's error table: rate limits and memory exhaustion
 * are high, timeouts and network failures medium, validation low; programming errors (TypeError,
 * ReferenceError …) high, since they do not heal by retrying. Everything else medium.
 */
export function severityOf(error: unknown, type: string, requested?: unknown): Severity {
  if (typeof requested === 'string') {
    if (requested === 'warning') return 'medium';
    if (severities.has(requested)) return requested as Severity;
  }
  const text = `${type} ${errorMessageOf(error)}`.toLowerCase();
  if (/rate.?limit|too many requests|out of memory|heap|enomem/.test(text)) return 'high';
  if (/^(typeerror|referenceerror|syntaxerror|rangeerror)\b/.test(text)) return 'high';
  if (/validation|invalid/.test(text)) return 'low';
  return 'medium';
}
