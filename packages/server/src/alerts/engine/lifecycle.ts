import type { AlertRule } from '../rules/model.js';
import { fingerprint, isLive, type AlertInstance, type Signal } from './instance.js';

export interface StepInput {
  rule: AlertRule;
  alertType: string;
  /** This evaluation's series; `keep` means "no verdict" (no data with no_data: keep, or a sampler missing). */
  signals: readonly Signal[] | 'keep';
  /** The rule's instances before this evaluation (live ones and resolved ones not yet notified). */
  previous: readonly AlertInstance[];
  now: number;
  newId: () => string;
}

export interface StepResult {
  /** The rule's instances after this evaluation. */
  instances: AlertInstance[];
  /** Instances whose state changed (to persist and to show in history). */
  changed: AlertInstance[];
  /** Pending instances whose condition stopped holding before `for` elapsed: they never fired. */
  dropped: AlertInstance[];
}

/**
 * One evaluation of one rule, as Prometheus defines the lifecycle: a series whose condition holds goes pending, and
 * firing once it has held for `for`; it resolves when the condition stops holding, unless `keep_firing_for` keeps it
 * firing that much longer. A series that is missing from this evaluation counts as not holding. Pure: no I/O, no clock.
 */
export function stepRule(input: StepInput): StepResult {
  const { rule, now } = input;
  const instances: AlertInstance[] = [];
  const changed: AlertInstance[] = [];
  const dropped: AlertInstance[] = [];
  if (input.signals === 'keep') return { instances: [...input.previous], changed, dropped };

  // A series has at most one live instance; a resolved one still to be notified (or settled) stays beside it, however
  // many evaluations that takes: planNotifications settles it, so it is never forgotten unsettled.
  const live = new Map(input.previous.filter(isLive).map((a) => [a.fingerprint, a]));
  for (const prev of input.previous) if (!isLive(prev)) instances.push(prev);
  const seen = new Set<string>();
  for (const signal of input.signals) {
    const labels = { alertname: rule.name, severity: rule.severity, project: rule.project, ...rule.labels, ...signal.labels };
    const fp = fingerprint(rule.id, labels);
    seen.add(fp);
    const prev = live.get(fp);
    const next = advance(prev, signal, labels, fp, input);
    if (next === 'dropped') dropped.push(prev!);
    else if (next !== null) {
      instances.push(next);
      if (prev === undefined || next.state !== prev.state) changed.push(next);
    }
  }
  for (const prev of live.values()) {
    if (seen.has(prev.fingerprint)) continue;
    const next = advance(prev, null, prev.labels, prev.fingerprint, input);
    if (next === 'dropped') dropped.push(prev);
    else if (next !== null) {
      instances.push(next);
      if (next.state !== prev.state) changed.push(next);
    }
  }
  return { instances, changed, dropped };
}

function advance(
  live: AlertInstance | undefined,
  signal: Signal | null,
  labels: Record<string, string>,
  fp: string,
  input: StepInput,
): AlertInstance | 'dropped' | null {
  const { rule, now } = input;
  const active = signal?.active === true;
  if (live === undefined) {
    if (!active) return null;
    const firing = rule.forMs === 0;
    return {
      id: input.newId(), ruleId: rule.id, ruleName: rule.name, project: rule.project, fingerprint: fp, alertType: input.alertType,
      severity: rule.severity, labels, annotations: { ...rule.annotations, ...(rule.description ? { description: rule.description } : {}) },
      state: firing ? 'firing' : 'pending', activeAt: now, firedAt: firing ? now : null, lastActiveAt: now, resolvedAt: null,
      acknowledgedAt: null, resolvedNotified: false, value: signal!.value, message: signal!.message, details: signal!.details, stateSince: now,
    };
  }
  const withSignal = signal === null ? live : { ...live, value: signal.value, message: signal.message, details: signal.details };
  if (active) {
    if (live.state === 'pending' && now - live.activeAt >= rule.forMs) {
      return { ...withSignal, state: 'firing', firedAt: now, lastActiveAt: now, stateSince: now };
    }
    return { ...withSignal, lastActiveAt: now };
  }
  if (live.state === 'pending') return 'dropped';
  if (now - live.lastActiveAt < rule.keepFiringForMs) return { ...live };
  return {
    ...withSignal, state: 'resolved', resolvedAt: now, stateSince: now,
    // The value that resolved it is more useful in the resolved notification than the last firing one.
    resolvedNotified: false,
  };
}
