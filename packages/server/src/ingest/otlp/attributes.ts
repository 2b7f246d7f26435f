/**
 * The event's `attributes`: span identity first, then the span's own attributes, within Pulse's limits
 * (32 keys matching the key pattern, values up to 1,024 characters). Keys already mapped to event
 * fields are not repeated, message content (prompts, completions, tool arguments) is never copied —
 * Pulse keeps no text unless asked — and whatever does not fit is left out, never the whole span.
 */
import { ATTRIBUTE_KEY_PATTERN, LIMITS } from '@pulse/protocol';
import { anyValue, type AttrValue, type OtlpSpan } from './model.js';
import { clip, text } from './read.js';

/** Attribute values as the store keeps them (text): made here so the validator need not copy the object to convert them. */
export type EventAttributes = Record<string, string>;

/** Prompt and completion content, in the semantic conventions and the instrumentations' own names. */
const CONTENT = new RegExp(
  '^(?:gen_ai\\.(?:input\\.messages|output\\.messages|system_instructions|tool\\.definitions|tool\\.call\\.arguments|tool\\.call\\.result'
    + '|retrieval\\.documents|retrieval\\.query\\.text|prompt|completion)(?:\\.|$)'
    + '|ai\\.(?:prompt|response\\.(?:text|object|toolCalls|reasoning))(?:\\.|$)'
    + '|traceloop\\.entity\\.(?:input|output)$|llm\\.(?:prompts|completions)(?:\\.|$)|(?:input|output)\\.value$)',
);

export const isContentKey = (key: string): boolean => CONTENT.test(key);

function stored(v: AttrValue): string | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : undefined;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return clip(text(v), LIMITS.maxAttributeValueLength);
}

/**
 * Collects up to 32 attributes, first come first kept: identity and extras first (`put`), then the
 * span's own (`addSpanAttributes`). Keys must match the attribute-key pattern; `__proto__` is skipped
 * so a plain object can hold them.
 */
export class AttributeBuilder {
  private readonly out: EventAttributes = {};
  private n = 0;

  put(key: string, v: AttrValue | undefined): void {
    if (this.n >= LIMITS.maxAttributes || v === undefined || v === null || Object.hasOwn(this.out, key)) return;
    if (key === '__proto__' || !ATTRIBUTE_KEY_PATTERN.test(key)) return;
    const s = stored(v);
    if (s === undefined) return;
    this.out[key] = s;
    this.n++;
  }

  /** The span's attributes, except those mapped to event fields (`consumed`) and message content. */
  addSpanAttributes(span: OtlpSpan, consumed: ReadonlySet<string>): void {
    for (const kv of span.attributes) {
      if (this.n >= LIMITS.maxAttributes) return;
      const k = kv.key;
      if (consumed.has(k) || Object.hasOwn(this.out, k) || isContentKey(k)) continue;
      this.put(k, anyValue(kv.value));
    }
  }

  result(): EventAttributes | undefined {
    return this.n > 0 ? this.out : undefined;
  }
}
