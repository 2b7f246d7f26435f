/**
 * Turns ajv's first error into a message that names the field and states the whole rule, worded from
 * the schema itself so the two cannot disagree: `input_tokens: must be an integer >= 0 …`.
 */
import type { ErrorObject } from 'ajv/dist/2020.js';
import { EVENT_JSON_SCHEMA } from './schema.js';
import type { JsonSchema } from './schema.js';

function range(s: JsonSchema): string {
  if (s.minimum !== undefined && s.maximum !== undefined) return ` >= ${s.minimum} and <= ${s.maximum}`;
  if (s.minimum !== undefined) return ` >= ${s.minimum}`;
  if (s.maximum !== undefined) return ` <= ${s.maximum}`;
  return '';
}

function listOr(items: readonly string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/** "an integer >= 0", "a string of at most 256 characters", "one of "ok", "error"" … */
export function describeSchema(s: JsonSchema): string {
  if (s.title !== undefined) return s.title;
  if (s.anyOf !== undefined) return listOr(s.anyOf.map(describeSchema));
  if (s.enum !== undefined) return `one of ${s.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  const types = s.type === undefined ? ['string'] : typeof s.type === 'string' ? [s.type] : s.type;
  return listOr(types.map((t): string => {
    switch (t) {
      case 'string': {
        const len = s.maxLength === undefined ? '' : ` of at most ${s.maxLength} characters`;
        const article = s.minLength === 1 ? 'a non-empty' : 'a';
        return `${article} string${len}${s.pattern === undefined ? '' : ` matching ${s.pattern}`}`;
      }
      case 'integer': return `an integer${range(s)}`;
      case 'number': return `a number${range(s)}`;
      case 'boolean': return 'a boolean';
      default: return `an object${s.maxProperties === undefined ? '' : ` with at most ${s.maxProperties} keys`}`;
    }
  }));
}

const FIELD_RULES = new Map<string, string>(
  Object.entries(EVENT_JSON_SCHEMA.properties).map(([field, s]) => [field, `${field}: must be ${describeSchema(s)}`]),
);

function subSchema(s: JsonSchema | boolean | undefined): JsonSchema {
  return typeof s === 'object' ? s : {};
}

function unescapePointer(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

export function errorMessage(err: ErrorObject): string {
  const path = err.instancePath;
  if (path === '') {
    if (err.keyword === 'additionalProperties') {
      const field = String((err.params as { additionalProperty?: unknown }).additionalProperty);
      return `unknown field ${JSON.stringify(field)} (put custom data in attributes)`;
    }
    if (err.keyword === 'required') {
      return `${String((err.params as { missingProperty?: unknown }).missingProperty)}: required`;
    }
    return 'event: must be a JSON object';
  }
  const slash = path.indexOf('/', 1);
  const field = unescapePointer(slash < 0 ? path.slice(1) : path.slice(1, slash));
  const fieldSchema = (EVENT_JSON_SCHEMA.properties as Readonly<Record<string, JsonSchema>>)[field];
  if (fieldSchema === undefined) return `${field}: invalid`;
  if (slash >= 0) {
    // A value inside phases or attributes.
    const key = unescapePointer(path.slice(slash + 1));
    return `${field}.${key}: must be ${describeSchema(subSchema(fieldSchema.additionalProperties))}`;
  }
  if (err.propertyName !== undefined) {
    const keyRule = describeSchema(subSchema(fieldSchema.propertyNames));
    return `${field}: key ${JSON.stringify(err.propertyName)} must be ${keyRule}`;
  }
  return FIELD_RULES.get(field) ?? `${field}: invalid`;
}
