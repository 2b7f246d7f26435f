import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../../http/errors.js';
import type { AlertEngine } from '../engine/engine.js';
import type { AlertRule } from '../rules/model.js';
import { safeNotifyEntry } from '../delivery/routing.js';
import { notifyProblem } from '../rules/notify-check.js';
import { parseRule, type RuleIssue } from '../rules/schema.js';
import { ruleToJson, type RuleJson } from '../rules/to-json.js';
import type { Notifier } from '../types.js';
import { requireObject } from './support.js';

export interface AlertRouteDeps {
  engine: AlertEngine;
  notifier: Notifier;
  clock: { now(): number };
}

function invalid(issues: readonly RuleIssue[]): HttpError {
  const text = issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
  return new HttpError(400, 'invalid_rule', text);
}

/** `notify` entries are e-mail addresses, webhook URLs or names of configured channels (CONTRACT §8). */
function checkNotify(rule: AlertRule, notifier: Notifier): void {
  const channels = notifier.channelNames();
  rule.notify.forEach((n, i) => {
    const problem = notifyProblem(n, channels);
    if (problem !== null) throw new HttpError(400, 'invalid_rule', `notify.${i}: ${problem}`);
  });
}

/** What is stored for an API rule: its normalised input, re-validated on every load. */
function storedBody(rule: AlertRule): Record<string, unknown> {
  const { id: _id, source: _source, ...body } = ruleToJson(rule);
  return body;
}

/**
 * A webhook URL in `notify` is a secret (whoever has it can post to the channel): keys without the admin scope see
 * delivery's safe name for it (`slack:hooks.slack.com#1a2b3c4d`); admins see it whole in rules made through the API,
 * to edit them — not in rules from the rules file or the environment, which are the operator's and edited there.
 */
function visibleNotify(notify: readonly string[], admin: boolean): string[] {
  if (admin) return [...notify];
  return notify.map(safeNotifyEntry);
}

export function ruleView(engine: AlertEngine, rule: AlertRule, admin: boolean): RuleJson {
  const status = engine.ruleStatus(rule.id);
  const alerts = engine.tracked(rule.project).filter((a) => a.ruleId === rule.id);
  return {
    ...ruleToJson(rule),
    notify: visibleNotify(rule.notify, admin && rule.source === 'api'),
    current: status === null ? null : {
      value: status.value, series: status.series, evaluated_at: new Date(status.evaluatedAt).toISOString(), note: status.note,
    },
    firing: alerts.filter((a) => a.state === 'firing').length,
    pending: alerts.filter((a) => a.state === 'pending').length,
  };
}

/** `GET|POST /v1/alert-rules`, `GET|PUT|DELETE /v1/alert-rules/{id}` (CONTRACT §8): read scope reads, admin writes. */
export function registerRuleRoutes(app: FastifyInstance, deps: AlertRouteDeps): void {
  const { engine } = deps;
  const own = (id: string, project: string): AlertRule => {
    const rule = engine.rule(id);
    if (rule === undefined || rule.project !== project) throw new HttpError(404, 'not_found', `alert rule ${id}: no such rule`);
    return rule;
  };
  /** `project`: where the rule goes; `auth`: who asks — a project key may name only its own project. */
  const parse = (body: Record<string, unknown>, project: string, auth: { project: string; keyId: string | null }, id: string): AlertRule => {
    const named = body.project ?? body.tenant_id;
    if (auth.keyId !== null && ((named !== undefined && named !== auth.project) || project !== auth.project)) {
      throw new HttpError(403, 'forbidden', 'project: this key cannot write rules of another project');
    }
    const { id: _ignored, source: _source, current: _c, firing: _f, pending: _p, ...input } = body;
    const parsed = parseRule(input, { source: 'api', project, id });
    if (!parsed.ok) throw invalid(parsed.issues);
    checkNotify(parsed.rule, deps.notifier);
    return parsed.rule;
  };

  app.get('/v1/alert-rules', { config: { scope: 'read' } }, async (request) => {
    const project = request.pulseAuth!.project;
    // `can_write` tells the dashboard whether to offer acknowledge and silence (admin scope only).
    const canWrite = request.pulseAuth!.scope === 'admin';
    return { rules: engine.rules().filter((r) => r.project === project).map((r) => ruleView(engine, r, canWrite)), can_write: canWrite };
  });

  app.get<{ Params: { id: string } }>('/v1/alert-rules/:id', { config: { scope: 'read' } }, async (request) => {
    return ruleView(engine, own(request.params.id, request.pulseAuth!.project), request.pulseAuth!.scope === 'admin');
  });

  app.post('/v1/alert-rules', { config: { scope: 'admin' } }, async (request, reply) => {
    const auth = request.pulseAuth!;
    const body = requireObject(request.body);
    // seed 004's `tenant_id` names the project too (rules/seed-004-form.ts).
    const named = body.project ?? body.tenant_id;
    const project = typeof named === 'string' ? named : auth.project;
    const rule = parse(body, project, auth, `rule_${randomUUID().replaceAll('-', '').slice(0, 16)}`);
    await engine.putRule(rule, storedBody(rule), deps.clock.now());
    reply.code(201).send(ruleView(engine, rule, true));
  });

  app.put<{ Params: { id: string } }>('/v1/alert-rules/:id', { config: { scope: 'admin' } }, async (request) => {
    const auth = request.pulseAuth!;
    const existing = own(request.params.id, auth.project);
    if (!engine.isApiRule(existing.id)) {
      throw new HttpError(409, 'rule_not_editable', `alert rule ${existing.id}: defined by ${existing.source === 'env' ? 'the environment' : 'the rules file'}; change it there`);
    }
    const rule = parse(requireObject(request.body), existing.project, auth, existing.id);
    await engine.putRule(rule, storedBody(rule), deps.clock.now());
    return ruleView(engine, rule, true);
  });

  app.delete<{ Params: { id: string } }>('/v1/alert-rules/:id', { config: { scope: 'admin' } }, async (request, reply) => {
    const existing = own(request.params.id, request.pulseAuth!.project);
    if (!engine.isApiRule(existing.id)) {
      throw new HttpError(409, 'rule_not_editable', `alert rule ${existing.id}: defined by ${existing.source === 'env' ? 'the environment' : 'the rules file'}; remove it there`);
    }
    await engine.deleteRule(existing.id);
    reply.code(204).send();
  });
}
