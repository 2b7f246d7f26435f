/**
 * The ingest hot path: EVENT_JSON_SCHEMA compiled once by ajv (first error only, strict), then
 * normalisation into an EventRecord. Measured in benchmarks/validation.bench.ts.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { EventInput, EventRecord } from './event.js';
import { normalise } from './normalise.js';
import { EVENT_JSON_SCHEMA } from './schema.js';
import { errorMessage } from './validate-errors.js';

export type ValidationResult = { ok: true; record: EventRecord } | { ok: false; error: string };

export interface BatchValidation {
  /** The valid events, in input order. */
  records: EventRecord[];
  rejected: { index: number; error: string }[];
}

const ajv = new Ajv2020({
  strict: true,
  allowUnionTypes: true,
  // `format` is an annotation for other consumers of the schema; `pattern` carries the rule.
  validateFormats: false,
  // Lengths in UTF-16 code units (see schema.ts): ajv's code-point count scans every string and
  // halves the throughput. The option is deprecated, hence the silenced logger; strict mode throws.
  unicode: false,
  logger: false,
});

const check = ajv.compile<EventInput>(EVENT_JSON_SCHEMA);

/** The compiled schema check alone, without normalisation or messages (for the benchmark). */
export function checkEventSchema(raw: unknown): raw is EventInput {
  return check(raw);
}

export function validateEvent(raw: unknown, nowMs: number): ValidationResult {
  if (!check(raw)) {
    const err = check.errors?.[0];
    return { ok: false, error: err === undefined ? 'event: invalid' : errorMessage(err) };
  }
  const out = normalise(raw, nowMs);
  return typeof out === 'string' ? { ok: false, error: out } : { ok: true, record: out };
}

export function validateEvents(raws: readonly unknown[], nowMs: number): BatchValidation {
  const records: EventRecord[] = [];
  const rejected: { index: number; error: string }[] = [];
  for (let i = 0; i < raws.length; i++) {
    const raw = raws[i];
    if (!check(raw)) {
      const err = check.errors?.[0];
      rejected.push({ index: i, error: err === undefined ? 'event: invalid' : errorMessage(err) });
      continue;
    }
    const out = normalise(raw, nowMs);
    if (typeof out === 'string') {
      rejected.push({ index: i, error: out });
    } else {
      records.push(out);
    }
  }
  return { records, rejected };
}
