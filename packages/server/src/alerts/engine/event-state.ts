import type { StoredEvent } from '@pulse/protocol';
import { HEALTH_EVENT_TYPE } from '../../health/host-sample.js';
import { formatDuration } from '../rules/duration.js';
import type { EventRule, HealthRule, UnpricedModelRule } from '../rules/model.js';
import type { AlertInstance, Signal } from './instance.js';

const MINUTE_MS = 60_000;

/** The last match of one series of an event rule: when, and what it said (kept, not the event, so it can be restored). */
interface EventHit {
  at: number;
  labels: Record<string, string>;
  message: string;
  details: Record<string, string | number | boolean | null>;
}

const EVENT_LABELS = ['event', 'service', 'queue_name'] as const;

interface HealthStatus {
  state: string;
  at: number;
  error: string | null;
  /** When the check last succeeded before this change (the registry's `attributes.last_success`), if ever. */
  lastSuccess: string | null;
}

export function eventMatches(rule: EventRule, e: StoredEvent): boolean {
  if (e.project !== rule.project) return false;
  if (rule.types.length > 0 && !rule.types.includes(e.type)) return false;
  if (rule.names.length > 0 && (e.name === null || !rule.names.includes(e.name))) return false;
  if (rule.status !== null && e.status !== rule.status) return false;
  for (const [k, v] of Object.entries(rule.attributes)) if (e.attributes?.[k] !== v) return false;
  return true;
}

/** The series an event belongs to within its rule: its name and service (a queue failure of `emails` in `worker`). */
function eventLabels(e: StoredEvent): Record<string, string> {
  const labels: Record<string, string> = {};
  if (e.name !== null) labels.event = e.name;
  if (e.service !== null) labels.service = e.service;
  if (e.attributes?.queue_name !== undefined) labels.queue_name = e.attributes.queue_name;
  return labels;
}

/**
 * What the fan-out tells the engine between evaluations: the last match of each event rule per series, each health
 * check's latest state, and the unpriced events per model. In memory: after a restart, event alerts already firing
 * stay firing from the store until `resolve_after` passes without a new match.
 */
export class EventState {
  private readonly hits = new Map<string, Map<string, EventHit>>();
  private readonly health = new Map<string, HealthStatus>();
  /**
   * project → model → minute → unpriced events, pruned to the longest unpriced window. Minute buckets keep this
   * O(1) per event however many unpriced events arrive (a window then counts whole minutes, ±1 minute at its start).
   */
  private readonly unpriced = new Map<string, Map<string, Map<number, number>>>();
  private unpricedTotal = 0;

  constructor(private readonly unpricedRetentionMs: () => number) {}

  /** Records a batch; returns the ids of event and health rules it touched (to evaluate at once). */
  record(events: readonly StoredEvent[], eventRules: readonly EventRule[], now: number): { touchedEvent: Set<string>; health: boolean } {
    const touchedEvent = new Set<string>();
    let health = false;
    for (const e of events) {
      if (e.model !== null && e.cost_usd === null && (e.input_tokens !== null || e.output_tokens !== null)) {
        let models = this.unpriced.get(e.project);
        if (models === undefined) this.unpriced.set(e.project, (models = new Map()));
        let minutes = models.get(e.model);
        if (minutes === undefined) models.set(e.model, (minutes = new Map()));
        const minute = Math.floor(e.ts / MINUTE_MS);
        minutes.set(minute, (minutes.get(minute) ?? 0) + 1);
        this.unpricedTotal += 1;
      }
      if (e.type === HEALTH_EVENT_TYPE && e.name !== null) {
        const state = e.attributes?.state ?? (e.status === 'error' ? 'unhealthy' : 'healthy');
        const lastSuccess = typeof e.attributes?.last_success === 'string' ? e.attributes.last_success : null;
        this.health.set(`${e.project}\u0000${e.name}`, { state, at: e.ts, error: e.error_message, lastSuccess });
        health = true;
      }
      for (const rule of eventRules) {
        if (!eventMatches(rule, e)) continue;
        const series = this.hits.get(rule.id) ?? new Map<string, EventHit>();
        const labels = eventLabels(e);
        series.set(JSON.stringify(labels), {
          at: Math.max(now, e.ts), labels,
          message: `${rule.name}: ${e.name ?? e.type}${e.attributes?.queue_name ? ` in queue ${e.attributes.queue_name}` : ''}${e.error_message ? `: ${e.error_message}` : ''}`,
          details: {
            current: 1, event_type: e.type, event_name: e.name, error_type: e.error_type, error_message: e.error_message,
            affected_service: e.service, queue_name: e.attributes?.queue_name ?? null, job_id: e.attributes?.job_id ?? null,
            resolve_after: formatDuration(rule.resolveAfterMs),
          },
        });
        this.hits.set(rule.id, series);
        touchedEvent.add(rule.id);
      }
    }
    this.pruneUnpriced(now);
    return { touchedEvent, health };
  }

  eventSignals(rule: EventRule, now: number): Signal[] {
    const out: Signal[] = [];
    const series = this.hits.get(rule.id);
    if (series === undefined) return out;
    for (const [key, hit] of series) {
      const active = now - hit.at < rule.resolveAfterMs;
      if (!active) series.delete(key);
      out.push({ labels: hit.labels, active, value: 1, message: hit.message, details: hit.details });
    }
    return out;
  }

  /**
   * After a restart (or on a new leader), what the tracked alerts of fan-out-fed rules say is put back, so they do not
   * resolve for want of memory: a check's state, a model's unpriced count (at its last evaluation's minute), and an
   * event alert's match — counted as `now`, the restore: the stored alert says when it fired, not when it last matched
   * (that is not written at every evaluation), so an earlier time could resolve it at once and page again at the next
   * match. It resolves `resolve_after` after the restore unless matched again. New events then take over as usual.
   */
  restore(rule: EventRule | HealthRule | UnpricedModelRule, alerts: readonly AlertInstance[], now: number): void {
    for (const a of alerts) {
      if (a.state !== 'firing' && a.state !== 'pending') continue;
      if (rule.kind === 'event') {
        const labels = Object.fromEntries(EVENT_LABELS.filter((k) => a.labels[k] !== undefined).map((k) => [k, a.labels[k]!]));
        const series = this.hits.get(rule.id) ?? new Map<string, EventHit>();
        const key = JSON.stringify(labels);
        // Passed only alerts the engine did not follow (engine.ts): whatever this memory holds for them is stale.
        series.set(key, { at: Math.max(a.lastActiveAt, now), labels, message: a.message, details: a.details });
        this.hits.set(rule.id, series);
      } else if (rule.kind === 'health' && a.labels.check !== undefined) {
        const key = `${rule.project}\u0000${a.labels.check}`;
        if (!this.health.has(key)) this.health.set(key, {
          state: String(a.details.current ?? 'unhealthy'), at: a.lastActiveAt, error: (a.details.error_message as string | null) ?? null,
          lastSuccess: typeof a.details.last_successful_check === 'string' ? a.details.last_successful_check : null,
        });
      } else if (rule.kind === 'unpriced_model' && a.labels.model !== undefined) {
        let models = this.unpriced.get(rule.project);
        if (models === undefined) this.unpriced.set(rule.project, (models = new Map()));
        if (!models.has(a.labels.model)) models.set(a.labels.model, new Map([[Math.floor(a.lastActiveAt / MINUTE_MS), Number(a.value ?? 1)]]));
      }
    }
  }

  healthSignals(rule: HealthRule): Signal[] {
    const out: Signal[] = [];
    for (const [key, status] of this.health) {
      const [project, check] = key.split('\u0000') as [string, string];
      if (project !== rule.project || (rule.checks.length > 0 && !rule.checks.includes(check))) continue;
      out.push({
        labels: { check }, active: status.state !== 'healthy', value: status.state === 'healthy' ? 0 : 1,
        message: `${rule.name}: health check ${check} is ${status.state}${status.error ? `: ${status.error}` : ''}`,
        // Seed 001's health alert: `service`, `status`, `last_successful_check`, `error_message`.
        details: {
          current: status.state, threshold: 'healthy', check, service: check, status: status.state, affected_service: check,
          last_successful_check: status.lastSuccess, error_message: status.error,
        },
      });
    }
    return out;
  }

  unpricedSignals(rule: UnpricedModelRule, now: number): Signal[] {
    const models = this.unpriced.get(rule.project);
    const out: Signal[] = [];
    const from = Math.floor((now - rule.windowMs) / MINUTE_MS);
    for (const [model, minutes] of models ?? []) {
      let count = 0;
      for (const [minute, n] of minutes) if (minute >= from) count += n;
      out.push({
        labels: { model }, active: count >= rule.threshold, value: count,
        message: `${rule.name}: ${count} event(s) of model ${model} have no price (their cost reads $0); add it to pricing`,
        details: { current: count, threshold: rule.threshold, model, duration: formatDuration(rule.windowMs) },
      });
    }
    return out;
  }

  /** Unpriced events seen since start, per project and model (for the stats object and the API). */
  unpricedCounts(): { total: number; byModel: Record<string, number> } {
    const byModel: Record<string, number> = {};
    for (const models of this.unpriced.values()) {
      for (const [m, minutes] of models) for (const n of minutes.values()) byModel[m] = (byModel[m] ?? 0) + n;
    }
    return { total: this.unpricedTotal, byModel };
  }

  private pruneUnpriced(now: number): void {
    const keep = Math.floor((now - this.unpricedRetentionMs()) / MINUTE_MS);
    for (const models of this.unpriced.values()) {
      for (const [m, minutes] of models) {
        for (const minute of minutes.keys()) if (minute < keep) minutes.delete(minute);
        if (minutes.size === 0) models.delete(m);
      }
    }
  }
}
