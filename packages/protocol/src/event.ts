/**
 * The event model of CONTRACT.md §4. `EventInput` is what a client sends; `EventRecord` is what the
 * validator produces and the stores persist (timestamps normalised to epoch ms, `warning` mapped to
 * `medium`, defaults applied except the server-side enrichments cost and sentiment).
 */

export const BUILTIN_EVENT_TYPES = [
  'llm', 'message', 'http', 'job', 'payment', 'error', 'feedback', 'metric', 'user', 'interaction',
] as const;
export type BuiltinEventType = (typeof BUILTIN_EVENT_TYPES)[number];

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const STATUSES = ['ok', 'error'] as const;
export type Status = (typeof STATUSES)[number];

export type AttributeValue = string | number | boolean;

/** The string-valued fields a query can group and filter by (CONTRACT.md §5). */
export const STRING_DIMENSIONS = [
  'type', 'name', 'service', 'environment', 'user_id', 'session_id', 'persona', 'channel', 'guild',
  'prompt_id', 'model', 'provider', 'status', 'error_type', 'severity', 'target',
] as const;
export type StringDimension = (typeof STRING_DIMENSIONS)[number];

export interface EventInput {
  id?: string;
  ts?: string | number;
  type: string;
  name?: string;
  service?: string;
  environment?: string;
  user_id?: string;
  session_id?: string;
  persona?: string;
  channel?: string;
  guild?: string;
  prompt_id?: string;
  model?: string;
  provider?: string;
  input_tokens?: number;
  output_tokens?: number;
  cost_usd?: number;
  duration_ms?: number;
  ttft_ms?: number;
  status?: Status;
  error_type?: string;
  error_message?: string;
  severity?: Severity | 'warning';
  value?: number;
  target?: string;
  text?: string;
  sentiment?: number;
  phases?: Record<string, number>;
  attributes?: Record<string, AttributeValue>;
}

/** A validated, normalised event, before the server assigns its project. Absent fields are null. */
export interface EventRecord {
  /** Client-supplied id, or null: the store then derives one from its own sequence number. */
  id: string | null;
  /** Epoch milliseconds. */
  ts: number;
  type: string;
  name: string | null;
  service: string | null;
  environment: string | null;
  user_id: string | null;
  session_id: string | null;
  persona: string | null;
  channel: string | null;
  guild: string | null;
  prompt_id: string | null;
  model: string | null;
  provider: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cost_usd: number | null;
  duration_ms: number | null;
  ttft_ms: number | null;
  /** Defaults to `error` when `error_type` is set or the type is `error`, else `ok`. */
  status: Status;
  error_type: string | null;
  error_message: string | null;
  severity: Severity | null;
  value: number | null;
  target: string | null;
  text: string | null;
  sentiment: number | null;
  phases: Record<string, number> | null;
  /** Values are kept as strings in the store; numbers and booleans are stringified. */
  attributes: Record<string, string> | null;
  /**
   * Facts derived from `text` at ingest (docs/ingest.md "Text facts"), so they exist when the text is
   * not stored. Never sent by clients (unknown fields are rejected); absent or null on events without
   * text and on events stored before the facts existed.
   */
  text_length?: number | null;
  questions?: number | null;
  emojis?: number | null;
  mentions?: number | null;
  /** `attributes.topic` when the client set one, else the first topic keyword found in the text. */
  topic?: string | null;
}

/** What the stores persist: a record tagged with its project. */
export interface StoredEvent extends EventRecord {
  project: string;
}
