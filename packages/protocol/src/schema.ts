/**
 * The JSON Schema of one event (CONTRACT.md §4) — the single statement of the rules. The hot-path
 * validator compiles it with ajv, error messages are derived from it, and `event.schema.json` is a
 * generated copy for other languages and editors (`npm run schema -w @pulse/protocol`).
 *
 * Lengths are counted as JavaScript does (UTF-16 code units), which is never more lenient than
 * JSON Schema's code-point count.
 */
import { BUILTIN_EVENT_TYPES, SEVERITIES, STATUSES } from './event.js';
import type { EventInput } from './event.js';
import { ATTRIBUTE_KEY_PATTERN, CUSTOM_TYPE_PATTERN, LIMITS, PHASE_NAME_PATTERN } from './limits.js';
import { RFC3339_PATTERN } from './rfc3339.js';

/** The subset of JSON Schema this file uses. */
export interface JsonSchema {
  $schema?: string;
  $id?: string;
  title?: string;
  description?: string;
  type?: 'object' | 'string' | 'number' | 'integer' | 'boolean' | readonly ('string' | 'number' | 'boolean')[];
  enum?: readonly string[];
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  maxProperties?: number;
  required?: readonly string[];
  properties?: Readonly<Record<string, JsonSchema>>;
  propertyNames?: JsonSchema;
  additionalProperties?: boolean | JsonSchema;
  anyOf?: readonly JsonSchema[];
  examples?: readonly unknown[];
}

/** Every field of EventInput. The type below fails to compile if this list and EventInput drift apart. */
export const EVENT_FIELDS = [
  'id', 'ts', 'type', 'name', 'service', 'environment', 'user_id', 'session_id', 'persona', 'channel',
  'guild', 'prompt_id', 'model', 'provider', 'input_tokens', 'output_tokens', 'cost_usd', 'duration_ms',
  'ttft_ms', 'status', 'error_type', 'error_message', 'severity', 'value', 'target', 'text', 'sentiment',
  'phases', 'attributes',
] as const satisfies readonly (keyof EventInput)[];
export type EventField = (typeof EVENT_FIELDS)[number];
type MissingFields = Exclude<keyof EventInput, EventField>;
const allFieldsListed: [MissingFields] extends [never] ? true : MissingFields = true;
void allFieldsListed;

export interface EventJsonSchema extends JsonSchema {
  type: 'object';
  required: readonly ['type'];
  /** Keyed by EventInput's fields: a missing or extra key is a compile error. */
  properties: Readonly<Record<keyof EventInput, JsonSchema>>;
  additionalProperties: false;
}

const str = (maxLength: number, description?: string): JsonSchema =>
  description === undefined ? { type: 'string', maxLength } : { type: 'string', maxLength, description };
const dimension = (description: string): JsonSchema => str(LIMITS.maxDimensionLength, description);
const tokens = (description: string): JsonSchema =>
  ({ type: 'integer', minimum: 0, maximum: LIMITS.maxTokens, description });
const millis = (description: string): JsonSchema =>
  ({ type: 'number', minimum: 0, maximum: LIMITS.maxFloat32, description });

export const EVENT_JSON_SCHEMA: EventJsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'Pulse event',
  description: 'One event sent to POST /v1/events. Unknown top-level fields are rejected; custom data goes in attributes.',
  type: 'object',
  required: ['type'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', minLength: 1, maxLength: LIMITS.maxIdLength, description: 'Client-supplied id; generated when absent.' },
    ts: {
      title: 'an RFC 3339 date-time string or epoch milliseconds since 2000-01-01',
      description: 'Event time; server time when absent. More than 24 h in the future is rejected.',
      // One union type rather than anyOf: `pattern` applies to the string, `minimum` to the number,
      // and the check costs no discarded error objects on the hot path.
      type: ['string', 'number'],
      format: 'date-time',
      pattern: RFC3339_PATTERN,
      minimum: LIMITS.minTsMs,
    },
    type: {
      title: `a builtin type (${BUILTIN_EVENT_TYPES.join(', ')}) or a custom type matching ${CUSTOM_TYPE_PATTERN.source}`,
      description: 'A builtin event type or a custom lower-case name; every builtin matches the pattern.',
      type: 'string',
      pattern: CUSTOM_TYPE_PATTERN.source,
      examples: BUILTIN_EVENT_TYPES,
    },
    name: str(LIMITS.maxNameLength, 'Metric name, route template, job type, generation type …'),
    service: str(LIMITS.maxServiceLength, 'e.g. bot, api, worker'),
    environment: str(LIMITS.maxServiceLength, 'e.g. prod'),
    user_id: dimension('End user.'),
    session_id: dimension('Conversation or session.'),
    persona: dimension('Bot persona.'),
    channel: dimension('Chat channel.'),
    guild: dimension('Server / workspace.'),
    prompt_id: dimension('Prompt template.'),
    model: dimension('LLM model name.'),
    provider: dimension('LLM provider.'),
    input_tokens: tokens('Prompt tokens.'),
    output_tokens: tokens('Completion tokens.'),
    cost_usd: { type: 'number', minimum: 0, maximum: LIMITS.maxAmount, description: 'Computed from the pricing table when absent.' },
    duration_ms: millis('Total latency.'),
    ttft_ms: millis('Time to first token.'),
    status: { type: 'string', enum: STATUSES, description: 'Defaults to error when error_type is set or type is error.' },
    error_type: str(LIMITS.maxErrorTypeLength),
    error_message: str(LIMITS.maxErrorMessageLength),
    severity: { type: 'string', enum: [...SEVERITIES, 'warning'], description: 'warning is stored as medium.' },
    value: { type: 'number', minimum: -LIMITS.maxAmount, maximum: LIMITS.maxAmount, description: 'Metric sample, payment amount, feedback score …' },
    target: dimension('The other side of an interaction.'),
    text: str(LIMITS.maxTextLength, 'Message text: used for sentiment, stored only when the project opts in.'),
    sentiment: { type: 'number', minimum: -1, maximum: 1, description: 'Computed from text when absent.' },
    phases: {
      description: 'Response-time breakdown: phase name to milliseconds.',
      type: 'object',
      maxProperties: LIMITS.maxPhases,
      propertyNames: { maxLength: LIMITS.maxPhaseNameLength, pattern: PHASE_NAME_PATTERN.source },
      additionalProperties: { type: 'number', minimum: 0, maximum: LIMITS.maxFloat32 },
    },
    attributes: {
      description: 'Custom dimensions; numbers and booleans are stored as strings.',
      type: 'object',
      maxProperties: LIMITS.maxAttributes,
      propertyNames: { maxLength: LIMITS.maxAttributeKeyLength, pattern: ATTRIBUTE_KEY_PATTERN.source },
      additionalProperties: { type: ['string', 'number', 'boolean'], maxLength: LIMITS.maxAttributeValueLength },
    },
  },
};

/** The text of event.schema.json, so the committed copy can be regenerated and checked. */
export function eventJsonSchemaText(): string {
  return `${JSON.stringify(EVENT_JSON_SCHEMA, null, 2)}\n`;
}
