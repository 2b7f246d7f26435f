import type { FastifyRequest } from 'fastify';
import { badRequest, HttpError } from '../http/errors.js';
import { InvalidQueryError } from './types.js';

/** The project a read route answers for: the key's own, or `?project=` for an admin key (resolved by the auth hook). */
export function projectOf(request: FastifyRequest): string {
  const auth = request.pulseAuth;
  // The auth hook runs before every scoped route; without it there is no project to read.
  if (!auth) throw new HttpError(401, 'unauthorized', 'missing API key');
  return auth.project;
}

/** A query object the compiler rejects is the caller's mistake: 400 naming the parameter. */
export async function mapErrors<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof InvalidQueryError) throw badRequest(err.param, err.reason);
    throw err;
  }
}
