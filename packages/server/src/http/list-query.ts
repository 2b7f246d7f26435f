import { z } from 'zod';
import { badRequest } from './errors.js';

const LIMIT = 'must be a whole number from 1 to 1000';

/** `limit` of a list endpoint: how many of the newest records to return (1–1000). */
export const listLimit = z.coerce.number({ error: LIMIT }).int(LIMIT).min(1, LIMIT).max(1000, LIMIT).optional();

/**
 * A list endpoint's query string through its schema, or a 400 naming the first bad parameter (with a strict schema,
 * an unknown one: "is not a parameter of this endpoint").
 */
export function parseListQuery<T>(schema: z.ZodType<T>, query: unknown): T {
  const parsed = schema.safeParse(query);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (issue?.code === 'unrecognized_keys') throw badRequest(String(issue.keys[0]), 'is not a parameter of this endpoint');
  throw badRequest(String(issue?.path[0] ?? 'query'), issue?.message ?? 'is invalid');
}
