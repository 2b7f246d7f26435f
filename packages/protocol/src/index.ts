export * from './event.js';
export * from './limits.js';
export { EVENT_JSON_SCHEMA, EVENT_FIELDS, eventJsonSchemaText } from './schema.js';
export type { EventField, EventJsonSchema, JsonSchema } from './schema.js';
export { RFC3339_PATTERN, parseRfc3339 } from './rfc3339.js';
export { checkEventSchema, validateEvent, validateEvents } from './validate.js';
export type { BatchValidation, ValidationResult } from './validate.js';
export { SEED_FAMILIES, SEED_GAUGES_NAMED_TOTAL, JOB_DURATION_BUCKETS, HTTP_DURATION_BUCKETS } from './prometheus.js';
export type { SeedFamilySpec } from './prometheus.js';
