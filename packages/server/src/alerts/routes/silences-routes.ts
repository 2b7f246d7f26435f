import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { HttpError } from '../../http/errors.js';
import type { AlertEngine } from '../engine/engine.js';
import { compileMatcher, MATCH_OPS, type Silence } from '../engine/silences.js';
import { parseDuration } from '../rules/duration.js';
import { isDateMs, parseTime, requireObject } from './support.js';

const matcherSchema = z.object({
  name: z.string().min(1).max(200),
  value: z.string().max(1000),
  op: z.enum(MATCH_OPS as [string, ...string[]]).optional(),
  // Alertmanager's API form: isRegex/isEqual instead of op.
  isRegex: z.boolean().optional(),
  isEqual: z.boolean().optional(),
}).strict();

const silenceSchema = z.object({
  matchers: z.array(matcherSchema).min(1).max(20),
  starts_at: z.string().optional(),
  ends_at: z.string().optional(),
  duration: z.union([z.string(), z.number()]).optional(),
  created_by: z.string().max(200).optional(),
  comment: z.string().max(2000).optional(),
}).strict();

function silenceJson(s: Silence, now: number): Record<string, unknown> {
  const state = now < s.startsAt ? 'pending' : now < s.endsAt ? 'active' : 'expired';
  return {
    id: s.id, project: s.project, matchers: s.matchers, starts_at: new Date(s.startsAt).toISOString(),
    ends_at: new Date(s.endsAt).toISOString(), created_by: s.createdBy, comment: s.comment,
    created_at: new Date(s.createdAt).toISOString(), status: { state },
  };
}

/** `GET|POST /v1/silences`, `DELETE /v1/silences/{id}` (expires it, as Alertmanager does). */
export function registerSilenceRoutes(app: FastifyInstance, deps: { engine: AlertEngine; clock: { now(): number } }): void {
  app.get('/v1/silences', { config: { scope: 'read' } }, async (request) => {
    const now = deps.clock.now();
    const project = request.pulseAuth!.project;
    return { silences: deps.engine.silences().filter((s) => s.project === project).sort((a, b) => b.createdAt - a.createdAt).map((s) => silenceJson(s, now)) };
  });

  app.post('/v1/silences', { config: { scope: 'admin' } }, async (request, reply) => {
    const parsed = silenceSchema.safeParse(requireObject(request.body));
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      throw new HttpError(400, 'invalid_silence', `${i.path.join('.') || 'body'}: ${i.message}`);
    }
    const b = parsed.data;
    const now = deps.clock.now();
    const startsAt = b.starts_at === undefined ? now : parseTime('starts_at', b.starts_at, now, () => null);
    let endsAt: number;
    if (b.ends_at !== undefined) endsAt = parseTime('ends_at', b.ends_at, now, () => null);
    else {
      const d = parseDuration(b.duration ?? '2h');
      if (d === null || d === 0) throw new HttpError(400, 'invalid_silence', 'duration: expected a duration such as 2h');
      endsAt = startsAt + d;
      if (!isDateMs(endsAt)) throw new HttpError(400, 'invalid_silence', 'duration: ends beyond the range of dates');
    }
    if (endsAt <= startsAt) throw new HttpError(400, 'invalid_silence', 'ends_at: must be after starts_at');
    const matchers = b.matchers.map((m, i) => {
      const op = (m.op ?? (m.isRegex ? (m.isEqual === false ? '!~' : '=~') : m.isEqual === false ? '!=' : '=')) as Silence['matchers'][number]['op'];
      const matcher = { name: m.name, op, value: m.value };
      try {
        compileMatcher(matcher);
      } catch {
        throw new HttpError(400, 'invalid_silence', `matchers.${i}.value: not a valid regular expression`);
      }
      return matcher;
    });
    const silence: Silence = {
      id: randomUUID(), project: request.pulseAuth!.project, matchers, startsAt, endsAt, createdBy: b.created_by ?? null,
      comment: b.comment ?? null, createdAt: now,
    };
    await deps.engine.putSilence(silence);
    reply.code(201).send(silenceJson(silence, now));
  });

  app.delete<{ Params: { id: string } }>('/v1/silences/:id', { config: { scope: 'admin' } }, async (request, reply) => {
    const now = deps.clock.now();
    const s = deps.engine.silences().find((x) => x.id === request.params.id && x.project === request.pulseAuth!.project);
    if (s === undefined) throw new HttpError(404, 'not_found', `silence ${request.params.id}: no such silence`);
    // One not yet started is expired too (as Alertmanager does: it starts and ends now), not left listed as pending.
    if (s.endsAt > now) await deps.engine.putSilence({ ...s, startsAt: Math.min(now, s.startsAt), endsAt: now });
    reply.code(204).send();
  });
}
