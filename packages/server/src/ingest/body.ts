import { gunzip, inflate, brotliDecompress } from 'node:zlib';
import { promisify } from 'node:util';
import { LIMITS } from '@pulse/protocol';
import { HttpError } from '../http/errors.js';

const decoders: Record<string, (buf: Buffer, opts: { maxOutputLength: number }) => Promise<Buffer>> = {
  gzip: promisify(gunzip),
  'x-gzip': promisify(gunzip),
  deflate: promisify(inflate),
  br: promisify(brotliDecompress),
};

/** Decompresses per `Content-Encoding`, refusing more than the uncompressed limit (a gzip bomb gets a 413). */
export async function decodeBody(raw: Buffer, encoding: string | undefined): Promise<Buffer> {
  const enc = (encoding ?? 'identity').trim().toLowerCase();
  if (enc === '' || enc === 'identity') return raw;
  const decode = decoders[enc];
  if (!decode) throw new HttpError(415, 'unsupported_encoding', `Content-Encoding: ${enc} is not supported (use gzip)`);
  try {
    return await decode(raw, { maxOutputLength: LIMITS.maxRequestBytes });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || (err as Error).message?.includes('maxOutputLength')) {
      throw tooLarge();
    }
    throw new HttpError(400, 'malformed_body', `body: not valid ${enc} data`);
  }
}

export const tooLarge = (): HttpError =>
  new HttpError(413, 'payload_too_large', `body: more than ${LIMITS.maxRequestBytes} bytes uncompressed (limit ${LIMITS.maxEventsPerRequest} events or 5 MB per request)`);

/**
 * `{"events":[…]}`, a bare array, or NDJSON (one event per line). Returns the raw events; per-event
 * validation happens later so that one bad event does not cost the good ones.
 */
export function parseEvents(body: Buffer, contentType: string | undefined): unknown[] {
  if (body.length > LIMITS.maxRequestBytes) throw tooLarge();
  const ct = (contentType ?? '').toLowerCase();
  // A UTF-8 byte order mark is ignored (RFC 8259 §8.1 allows it); JSON.parse would reject it as an invisible token.
  const text = body.toString('utf8', hasBom(body) ? 3 : 0);
  let events: unknown[];
  if (ct.includes('ndjson') || ct.includes('jsonlines') || ct.includes('json-seq')) {
    events = [];
    // JSON text sequences (RFC 7464) start each record with a record separator; NDJSON puts one per line.
    const seq = ct.includes('json-seq');
    let line = 0;
    for (const piece of text.split(seq ? '\u001e' : '\n')) {
      line++;
      const s = piece.trim();
      if (!s) continue;
      try {
        events.push(JSON.parse(s));
      } catch {
        throw new HttpError(400, 'malformed_body', `body: ${seq ? `record ${events.length + 1}` : `line ${line}`} is not valid JSON`);
      }
      if (events.length > LIMITS.maxEventsPerRequest) throw tooManyEvents(events.length);
    }
    return events;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, 'malformed_body', `body: not valid JSON (${(err as Error).message})`);
  }
  if (Array.isArray(doc)) events = doc;
  else if (doc !== null && typeof doc === 'object' && Array.isArray((doc as { events?: unknown }).events)) {
    events = (doc as { events: unknown[] }).events;
  } else {
    throw new HttpError(400, 'malformed_body', 'body: expected {"events": [...]}, an array of events, or NDJSON');
  }
  if (events.length > LIMITS.maxEventsPerRequest) throw tooManyEvents(events.length);
  return events;
}

const hasBom = (b: Buffer): boolean => b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf;

const tooManyEvents = (n: number): HttpError =>
  new HttpError(413, 'payload_too_large', `events: ${n} events, more than the limit of ${LIMITS.maxEventsPerRequest} per request`);
