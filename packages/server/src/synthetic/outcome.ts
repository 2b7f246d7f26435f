import type { EventInput, Severity } from '@pulse/protocol';

/** `[error_type, error_message, severity]` of a failed event. */
export type Failure = readonly [string, string, Severity, ...unknown[]];

/** Marks an event failed with the given failure, or ok. */
export function outcome(e: EventInput, err: Failure | null): EventInput {
  if (err === null) {
    e.status = 'ok';
    return e;
  }
  e.status = 'error';
  e.error_type = err[0];
  e.error_message = err[1];
  e.severity = err[2];
  return e;
}
