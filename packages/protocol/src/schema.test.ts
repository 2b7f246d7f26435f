import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { EventInput } from './event.js';
import { EVENT_FIELDS, EVENT_JSON_SCHEMA, eventJsonSchemaText } from './schema.js';

/**
 * Written out by hand, typed against EventInput: adding a field to EventInput without listing it here
 * (or listing one that is not there) is a type error, and the assertion below then catches a schema
 * that was not updated.
 */
const INPUT_KEYS: Record<keyof EventInput, true> = {
  id: true, ts: true, type: true, name: true, service: true, environment: true, user_id: true,
  session_id: true, persona: true, channel: true, guild: true, prompt_id: true, model: true,
  provider: true, input_tokens: true, output_tokens: true, cost_usd: true, duration_ms: true,
  ttft_ms: true, status: true, error_type: true, error_message: true, severity: true, value: true,
  target: true, text: true, sentiment: true, phases: true, attributes: true,
};

describe('EVENT_JSON_SCHEMA', () => {
  it('has exactly the fields of EventInput', () => {
    const expected = Object.keys(INPUT_KEYS).sort();
    expect(Object.keys(EVENT_JSON_SCHEMA.properties).sort()).toEqual(expected);
    expect([...EVENT_FIELDS].sort()).toEqual(expected);
  });

  it('requires only type and rejects unknown fields', () => {
    expect(EVENT_JSON_SCHEMA.required).toEqual(['type']);
    expect(EVENT_JSON_SCHEMA.additionalProperties).toBe(false);
  });

  it('matches the committed event.schema.json (regenerate with `npm run schema -w @pulse/protocol`)', () => {
    const file = fileURLToPath(new URL('../event.schema.json', import.meta.url));
    expect(readFileSync(file, 'utf8')).toBe(eventJsonSchemaText());
  });
});
