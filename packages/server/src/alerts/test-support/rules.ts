import type { AlertRule } from '../rules/model.js';
import { parseRule, type RuleInput } from '../rules/schema.js';

/** Builds a rule through the real parser (so tests exercise the same defaults users get). */
export function rule(input: RuleInput, id = 'r1'): AlertRule {
  const parsed = parseRule(input, { source: 'api', project: 'default', id });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.rule;
}
