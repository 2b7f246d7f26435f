import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from '../http/errors.js';
import type { AppDeps } from '../http/types.js';
import { parseReadParams, type ControlKind } from '../query/params.js';
import type { RolledInput } from './common.js';
import { banterAnalytics } from './banter.js';
import { conversationAnalytics } from './conversations.js';
import { llmPerformance } from './llm.js';
import { marginAnalytics } from './margin.js';
import { CONTROLS, parseIntControl, parseUserId } from './params.js';
import { personaAnalytics } from './personas.js';
import { userPersonaAnalytics } from './preferences.js';
import { personaRelationships } from './relationships.js';
import { userDetail } from './user-detail.js';
import { userAnalytics } from './users.js';
import { mapErrors, projectOf } from '../query/route-support.js';
import { assertRange, rangeLimitOf } from '../ops/query-limits.js';

/**
 * Seed 001's conversation, persona and model analytics (CONTRACT §5) and the users and margin views
 * (docs/api.md "Conversation, persona and user analytics"). All need the `read` scope, read the
 * caller's project only, and take the common range and filters.
 */
export function registerAnalyticsRoutes(app: FastifyInstance, deps: AppDeps): void {
  const read = { config: { scope: 'read' as const } };
  const input = (request: FastifyRequest, controls: Record<string, ControlKind> = {}) => {
    const parsed = parseReadParams(request.query, deps.clock.now(), controls);
    assertRange(parsed.range, rangeLimitOf(deps));
    const preset: RolledInput = {
      store: deps.store, project: projectOf(request), range: parsed.range, filters: parsed.filters, userRollups: deps.userRollups != null,
      wholeHours: deps.userRollups?.wholeHours,
    };
    return { preset, controls: parsed.controls };
  };

  app.get('/api/analytics/conversations', read, (request) => mapErrors(() => conversationAnalytics(input(request).preset)));
  app.get('/api/analytics/personas', read, (request) => mapErrors(() => personaAnalytics(input(request).preset)));
  app.get('/api/analytics/personas/relationships', read, (request) => mapErrors(() => personaRelationships(input(request).preset)));
  app.get('/api/analytics/banter', read, (request) => mapErrors(() => banterAnalytics(input(request).preset)));
  app.get('/api/analytics/llm', read, (request) => mapErrors(() => llmPerformance(input(request).preset)));
  app.get('/api/analytics/users/preferences', read, (request) =>
    mapErrors(() => {
      const { preset, controls } = input(request, { limit: 'single' });
      return userPersonaAnalytics(preset, parseIntControl('limit', controls.limit, CONTROLS.preferencesLimit));
    }),
  );
  app.get('/api/analytics/users', read, (request) =>
    mapErrors(() => {
      const { preset, controls } = input(request, { limit: 'single', weeks: 'single' });
      return userAnalytics(preset, {
        limit: parseIntControl('limit', controls.limit, CONTROLS.limit),
        weeks: parseIntControl('weeks', controls.weeks, CONTROLS.weeks),
      });
    }),
  );
  app.get<{ Params: { id: string } }>('/api/analytics/users/:id', read, (request) =>
    mapErrors(async () => {
      const id = parseUserId(request.params.id);
      const answer = await userDetail(input(request).preset, id);
      if (answer === null) throw new HttpError(404, 'not_found', `id: no event carries user_id ${JSON.stringify(id.slice(0, 64))}`);
      return answer;
    }),
  );
  app.get('/api/analytics/margin', read, (request) =>
    mapErrors(() => {
      const { preset, controls } = input(request, { limit: 'single' });
      return marginAnalytics(preset, parseIntControl('limit', controls.limit, CONTROLS.limit));
    }),
  );
}
