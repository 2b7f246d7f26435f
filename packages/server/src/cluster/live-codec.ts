import type { StoredEvent } from '@pulse/protocol';

/** Every field of a stored event that may be null: absent from a shared event means null. */
const NULLABLE: readonly (keyof StoredEvent)[] = [
  'id', 'name', 'service', 'environment', 'user_id', 'session_id', 'persona', 'channel', 'guild', 'prompt_id', 'model',
  'provider', 'input_tokens', 'output_tokens', 'cost_usd', 'duration_ms', 'ttft_ms', 'error_type', 'error_message',
  'severity', 'value', 'target', 'text', 'sentiment', 'phases', 'attributes', 'text_length', 'questions', 'emojis',
  'mentions', 'topic',
];

export interface LiveCodecLimits {
  /** Bytes (UTF-8) of one notification at most; PostgreSQL refuses 8000 and more. Default 7900. */
  maxMessageBytes: number;
  /** `text` and `error_message` are cut to this many characters (default 1000). */
  maxTextChars: number;
}

export const DEFAULT_LIMITS: LiveCodecLimits = { maxMessageBytes: 7_900, maxTextChars: 1_000 };

/** One event as JSON without its null fields, long text cut; null when even without text and attributes it is too big. */
function encodeEvent(e: StoredEvent, limits: LiveCodecLimits, room: number): { json: string; trimmed: boolean } | null {
  const out: Record<string, unknown> = {};
  let trimmed = false;
  for (const [k, v] of Object.entries(e)) {
    if (v === null || v === undefined) continue;
    if ((k === 'text' || k === 'error_message') && typeof v === 'string' && v.length > limits.maxTextChars) {
      out[k] = v.slice(0, limits.maxTextChars);
      trimmed = true;
    } else out[k] = v;
  }
  let json = JSON.stringify(out);
  // Too big still: leave out the text, then the attributes and phases (the counts and figures stay).
  for (const k of ['text', 'attributes', 'phases', 'error_message']) {
    if (Buffer.byteLength(json) <= room) break;
    if (out[k] === undefined) continue;
    delete out[k];
    trimmed = true;
    json = JSON.stringify(out);
  }
  return Buffer.byteLength(json) <= room ? { json, trimmed } : null;
}

/**
 * Packs committed events into notifications of at most `maxMessageBytes`: `{"i":<instance>,"n":<k>,"e":[…]}`, each
 * event without its null fields. `n` numbers the messages of one batch: PostgreSQL delivers identical payloads sent in
 * one transaction only once, and events sent alike (no id, the server's time) would otherwise fill identical messages.
 * Returns the messages, and how many events were trimmed or could not be shared at all.
 */
export function encodeBatch(instance: string, events: readonly StoredEvent[], limits: LiveCodecLimits = DEFAULT_LIMITS): { messages: string[]; trimmed: number; oversize: number } {
  const head = (n: number): string => `{"i":${JSON.stringify(instance)},"n":${n},"e":[`;
  const tail = ']}';
  // Room for the widest message number a batch can reach (every message holds at least one event).
  const room = limits.maxMessageBytes - Buffer.byteLength(head(events.length)) - tail.length;
  const messages: string[] = [];
  let parts: string[] = [];
  let bytes = 0;
  let trimmed = 0;
  let oversize = 0;
  for (const e of events) {
    const enc = encodeEvent(e, limits, room);
    if (enc === null) {
      oversize++;
      continue;
    }
    if (enc.trimmed) trimmed++;
    const size = Buffer.byteLength(enc.json) + (parts.length > 0 ? 1 : 0);
    if (parts.length > 0 && bytes + size > room) {
      messages.push(head(messages.length) + parts.join(',') + tail);
      parts = [];
      bytes = 0;
    }
    bytes += Buffer.byteLength(enc.json) + (parts.length > 0 ? 1 : 0);
    parts.push(enc.json);
  }
  if (parts.length > 0) messages.push(head(messages.length) + parts.join(',') + tail);
  return { messages, trimmed, oversize };
}

/** A notification back into events (null fields restored); null when it is not one of ours. */
export function decodeMessage(payload: string): { instance: string; events: StoredEvent[] } | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { i, e } = parsed as { i?: unknown; e?: unknown };
  if (typeof i !== 'string' || !Array.isArray(e)) return null;
  const events: StoredEvent[] = [];
  for (const raw of e) {
    if (typeof raw !== 'object' || raw === null) continue;
    const ev = raw as Record<string, unknown>;
    if (typeof ev.ts !== 'number' || typeof ev.type !== 'string' || typeof ev.project !== 'string') continue;
    for (const k of NULLABLE) if (ev[k] === undefined) ev[k] = null;
    if (ev.status !== 'ok' && ev.status !== 'error') ev.status = 'ok';
    events.push(ev as unknown as StoredEvent);
  }
  return { instance: i, events };
}
