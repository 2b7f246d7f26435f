import type { EventInput } from '@pulse/protocol';
import type { OtlpSpan, OtlpTraceRequest } from './model.js';
import { mapSpan, type MapOptions } from './map-span.js';

export interface MappedRequest {
  /** Events to validate and store, in span order. */
  events: EventInput[];
  /** The span each event came from (same index), to name it when the event is rejected. */
  sources: OtlpSpan[];
  /** Spans in the request. */
  spans: number;
  /** Spans the configuration does not keep (not rejected: dropping them is what was asked for). */
  skipped: number;
}

export function mapRequest(request: OtlpTraceRequest, opts: MapOptions): MappedRequest {
  const events: EventInput[] = [];
  const sources: OtlpSpan[] = [];
  let spans = 0;
  for (const rs of request.resourceSpans) {
    for (const ss of rs.scopeSpans) {
      const ctx = { resource: rs.resource, scope: ss.scope };
      for (const span of ss.spans) {
        spans++;
        const e = mapSpan(span, ctx, opts);
        if (e === null) continue;
        events.push(e);
        sources.push(span);
      }
    }
  }
  return { events, sources, spans, skipped: spans - events.length };
}

/** `partial_success.error_message`: how many were rejected, and why the first one was. */
export function rejectionMessage(rejected: readonly { index: number; error: string }[], sources: readonly OtlpSpan[]): string {
  const first = rejected[0];
  if (first === undefined) return '';
  const span = sources[first.index];
  const which = span ? `span ${JSON.stringify(span.name)}${span.spanId ? ` (span_id ${span.spanId})` : ''}` : `span #${first.index}`;
  const more = rejected.length > 1 ? ` (and ${rejected.length - 1} more)` : '';
  return `${rejected.length} span${rejected.length === 1 ? '' : 's'} rejected; ${which}${more}: ${first.error}`;
}
