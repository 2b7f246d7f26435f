import { readFileSync } from 'node:fs';
import { isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { AlertRule } from './model.js';
import { parseRule, type RuleIssue } from './schema.js';

/** One problem in a rules file, with the 1-based line and column of the YAML node it concerns. */
export interface RulesFileError {
  line: number;
  column: number;
  /** Dotted path inside the file, e.g. `alerts[2].severity`. */
  path: string;
  message: string;
}

export interface RulesFileResult {
  rules: AlertRule[];
  errors: RulesFileError[];
}

/**
 * A rule name in kebab case, letters and digits of any script kept (`Ошибки API` → `ошибки-api`): names in other
 * scripts must not all become `rule` (one id for every such rule). ASCII names read as they always did.
 */
export function slug(name: string): string {
  return name.normalize('NFC').toLowerCase().replace(/[^\p{L}\p{M}\p{N}]+/gu, '-').replace(/^-|-$/g, '') || 'rule';
}

/**
 * Reads the `alerts:` list of a YAML file (PULSE_CONFIG or PULSE_RULES; a file holding just the list works too).
 * Every rule is validated and every problem reported with its line, so `pulse check` can list them all at once.
 */
export function parseRulesText(text: string, project = 'default', notifyProblem?: (entry: string) => string | null): RulesFileResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const errors: RulesFileError[] = [];
  const at = (offset: number, path: string, message: string): void => {
    const { line, col } = lines.linePos(offset);
    errors.push({ line, column: col, path, message });
  };
  for (const e of doc.errors) at(e.pos[0], '(yaml)', e.message.split('\n')[0]!);
  if (errors.length > 0) return { rules: [], errors };
  const root = doc.contents;
  const listPath: (string | number)[] = isSeq(root) ? [] : ['alerts'];
  const list = listPath.length === 0 ? root : doc.getIn(listPath, true);
  if (list === undefined || list === null) return { rules: [], errors };
  if (!isSeq(list)) {
    at(offsetOf(list as Node), 'alerts', 'must be a list of rules');
    return { rules: [], errors };
  }
  const rules: AlertRule[] = [];
  const ids = new Map<string, number>();
  list.items.forEach((item, index) => {
    const prefix = listPath.length ? `alerts[${index}]` : `[${index}]`;
    const input = isNode(item) ? item.toJS(doc) : item;
    const name = typeof (input as { name?: unknown })?.name === 'string' ? (input as { name: string }).name : `rule-${index}`;
    const parsed = parseRule(input, { source: 'file', project, id: `file:${slug(name)}` });
    if (!parsed.ok) {
      for (const issue of parsed.issues) at(issueOffset(doc, [...listPath, index], issue), issuePath(prefix, issue), issue.message);
      return;
    }
    const notifyIssues: RuleIssue[] = [];
    parsed.rule.notify.forEach((entry, j) => {
      const problem = notifyProblem?.(entry) ?? null;
      if (problem !== null) notifyIssues.push({ path: ['notify', j], message: problem });
    });
    if (notifyIssues.length > 0) {
      for (const issue of notifyIssues) at(issueOffset(doc, [...listPath, index], issue), issuePath(prefix, issue), issue.message);
      return;
    }
    const previous = ids.get(parsed.rule.id);
    if (previous !== undefined) {
      at(issueOffset(doc, [...listPath, index], { path: ['name'], message: '' }), `${prefix}.name`, `duplicate rule name (same as rule ${previous}): names identify rules`);
      return;
    }
    ids.set(parsed.rule.id, index);
    rules.push(parsed.rule);
  });
  return { rules, errors };
}

export function readRulesFile(path: string, project = 'default', notifyProblem?: (entry: string) => string | null): RulesFileResult {
  return parseRulesText(readFileSync(path, 'utf8'), project, notifyProblem);
}

export function formatRulesErrors(file: string, errors: readonly RulesFileError[]): string {
  return errors.map((e) => `${file}:${e.line}:${e.column}: ${e.path}: ${e.message}`).join('\n');
}

function issuePath(prefix: string, issue: RuleIssue): string {
  return issue.path.reduce<string>((p, k) => (typeof k === 'number' ? `${p}[${k}]` : `${p}.${k}`), prefix);
}

/** The deepest node of the issue's path that exists (an unknown key points at the key itself). */
function issueOffset(doc: Document, base: (string | number)[], issue: RuleIssue): number {
  const unknownKey = /Unrecognized key[s]?: "([^"]+)"/.exec(issue.message)?.[1];
  const path = [...base, ...issue.path];
  if (unknownKey !== undefined) {
    const map = doc.getIn(path, true);
    if (isMap(map)) {
      const pair = map.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === unknownKey);
      if (pair && isNode(pair.key)) return offsetOf(pair.key);
    }
  }
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node)) return offsetOf(node);
  }
  return 0;
}

function offsetOf(node: Node): number {
  return node.range?.[0] ?? 0;
}
