/**
 * The event's `attributes`: span identity first, then the span's own attributes, within Pulse's limits
 * (32 keys matching the key pattern, values up to 1,024 characters). Keys already mapped to event
 * fields are not repeated, message content (prompts, completions, tool arguments) is never copied —
 * Pulse keeps no text unless asked — and whatever does not fit is left out, never the whole span.
 */
import { ATTRIBUTE_KEY_PATTERN, LIMITS } from '@pulse/protocol';
import type { AttrValue, OtlpSpan } from './model.js';
import { clip, text } from './read.js';

export type EventAttributes = Record<string, string | number | boolean>;

/** Prompt and completion content, in the semantic conventions and the instrumentations' own names. */
const CONTENT = new RegExp(
  '^(?:gen_ai\\.(?:input\\.messages|output\\.messages|system_instructions|tool\\.definitions|tool\\.call\\.arguments|tool\\.call\\.result'
    + '|retrieval\\.documents|retrieval\\.query\\.text|prompt|completion)(?:\\.|$)'
    + '|ai\\.(?:prompt|response\\.(?:text|object|toolCalls|reasoning))(?:\\.|$)'
    + '|traceloop\\.entity\\.(?:input|output)$|llm\\.(?:prompts|completions)(?:\\.|$)|(?:input|output)\\.value$)',
);

export const isContentKey = (key: string): boolean => CONTENT.test(key);

function value(v: AttrValue): string | number | boolean | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'boolean') return v;
  return clip(text(v), LIMITS.maxAttributeValueLength);
}

export interface AttributeSources {
  span: OtlpSpan;
  /** Already in the event under another name (identity, extras), in priority order. */
  first: readonly [string, AttrValue | undefined][];
  /** Span attribute keys mapped to event fields. */
  consumed: ReadonlySet<string>;
}

export function eventAttributes({ span, first, consumed }: AttributeSources): EventAttributes | undefined {
  const out: EventAttributes = Object.create(null) as EventAttributes;
  let n = 0;
  const put = (key: string, v: AttrValue | undefined): void => {
    if (n >= LIMITS.maxAttributes || v === undefined || v === null || key in out) return;
    if (!ATTRIBUTE_KEY_PATTERN.test(key)) return;
    const stored = value(v);
    if (stored === undefined) return;
    out[key] = stored;
    n++;
  };
  for (const [k, v] of first) put(k, v);
  for (const [k, v] of span.attributes) {
    if (n >= LIMITS.maxAttributes) break;
    if (consumed.has(k) || isContentKey(k)) continue;
    put(k, v);
  }
  return n > 0 ? out : undefined;
}
