import { randomUUID } from 'node:crypto';
import type { AlertSeverity } from '../types.js';
import type { StoredEvent } from '@pulse/protocol';
import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import type { FanOut, Subscription } from '../../fanout/fanout.js';
import type { HostSample, HostSampler } from '../../health/host-sample.js';
import type { EventStore } from '../../store/types.js';
import type { AlertRule, AnomalyRule, BudgetRule, EventRule, ThresholdRule } from '../rules/model.js';
import type { AlertStore } from '../store/alert-store.js';
import type { Notification, Notifier } from '../types.js';
import { EventState } from './event-state.js';
import { NotificationOutbox } from './outbox.js';
import { planNotifications, type GroupState } from './grouping.js';
import type { AlertInstance, Signal } from './instance.js';
import { stepRule } from './lifecycle.js';
import { BaselineCache, budgetSeries, windowSeries } from './queries.js';
import { silencedBy, type Silence } from './silences.js';
import { alertTypeOf, anomalySignals, budgetSignals, resourceSignals, thresholdSignals } from './signals.js';

export interface AlertEngineDeps {
  store: EventStore;
  alertStore: AlertStore;
  notifier: Notifier;
  clock: Clock;
  logger: Pick<Logger, 'warn' | 'error'>;
  /** The host's resources for `resource` rules; without one those rules give no verdict. */
  sampler?: HostSampler | null;
  /** Env and file rules (rebuilt at each start; API rules come from the store). */
  staticRules: readonly AlertRule[];
  /** Base URL of this Pulse for links in notifications. */
  externalUrl: () => string;
  /** Told after each evaluation round (its duration and whether every query answered) — `/metrics`. */
  onEvaluated?: (seconds: number, ok: boolean) => void;
  /** Told whenever the alerts firing (acknowledged included) may have changed, by severity — `/metrics`. */
  onFiring?: (bySeverity: Partial<Record<AlertSeverity, number>>) => void;
  /**
   * Whether this instance leads (cluster/): only the leader evaluates, fires from the fan-out and notifies; the
   * others serve the API from the state the leader persists (`refresh`). Default: always.
   */
  isLeader?: () => boolean;
}

/** One rule's verdict for an evaluation: its signals, `keep` (no verdict), or a read of them made when it is applied. */
interface RuleResult {
  rule: AlertRule;
  signals: Signal[] | 'keep' | (() => Signal[]);
  /**
   * The rule as listed when this verdict was made: the verdict is dropped if the rule was edited or deleted meanwhile
   * (an evaluation awaiting its queries must not bring back alerts of a rule deleted since; the next one reads the
   * new version). Absent: applied regardless (a deletion's own resolution).
   */
  listed?: AlertRule;
}

/** What `refresh` re-reads from the alert store. */
export type EngineState = 'rules' | 'silences' | 'alerts';

type RuleParser = (body: Record<string, unknown>, id: string, project: string) => AlertRule | null;

/** Counters for `/metrics` (the Prometheus feature) and `/api/background-tasks`-style views. */
export interface AlertEngineStats {
  evaluations: number;
  evaluationFailures: number;
  lastEvaluationMs: number | null;
  totalEvaluationMs: number;
  queries: number;
  eventTriggers: number;
  notifications: number;
  rules: number;
  firing: number;
  pending: number;
  unpricedEvents: number;
}

export interface RuleStatus {
  value: number | null;
  evaluatedAt: number;
  series: number;
  /** Why there is no verdict (no sampler, a query failed, no data). */
  note: string | null;
}

/**
 * The alert engine: one evaluator for every rule kind (the lifecycle in lifecycle.ts, grouping in grouping.ts), fed by
 * scheduled evaluations (queries, the host sampler) and by the fan-out (event, health and unpriced-model rules, which
 * fire without waiting for a tick). Notifications go to `Notifier.dispatch`, which never blocks evaluation.
 */
export class AlertEngine {
  private readonly apiRules = new Map<string, AlertRule>();
  /** API rules deleted by another instance that still have alerts: kept, disabled, until those resolve. */
  private readonly leavingApi = new Map<string, AlertRule>();
  private parseStored: RuleParser = () => null;
  private readonly instances = new Map<string, AlertInstance[]>();
  private readonly groups = new Map<string, GroupState>();
  private silenceList: Silence[] = [];
  private readonly status = new Map<string, RuleStatus>();
  private readonly baselines = new BaselineCache();
  private readonly events: EventState;
  private applying: Promise<void> = Promise.resolve();
  private subscription: Subscription | null = null;
  private readonly outbox: NotificationOutbox;
  /**
   * A step's commit failed after its changes were made in memory (alerts stepped, groups recorded as sent) and before
   * anything was dispatched: memory is ahead of the store. The next step reloads what the store holds first, so the
   * notifications that step produced are planned, committed and sent again rather than taken as sent.
   */
  private storeBehind = false;
  readonly stats: AlertEngineStats = {
    evaluations: 0, evaluationFailures: 0, lastEvaluationMs: null, totalEvaluationMs: 0, queries: 0, eventTriggers: 0,
    notifications: 0, rules: 0, firing: 0, pending: 0, unpricedEvents: 0,
  };

  private staticRules: readonly AlertRule[];

  constructor(private readonly deps: AlertEngineDeps) {
    this.staticRules = deps.staticRules;
    this.outbox = new NotificationOutbox({ store: deps.alertStore, notifier: deps.notifier, logger: deps.logger, isLeader: () => this.leads() });
    this.events = new EventState(() => Math.max(3_600_000, ...this.rules().filter((r) => r.kind === 'unpriced_model').map((r) => (r as { windowMs: number }).windowMs)));
  }

  /** Loads API rules, tracked alerts, groups and silences from the store. */
  async init(parseStored: RuleParser): Promise<void> {
    this.parseStored = parseStored;
    await this.load(['rules', 'silences', 'alerts']);
  }

  /**
   * Re-reads what another instance changed: API rules, silences, or the alerts and notification groups (a new leader
   * takes over what the previous one persisted, so nothing already sent is sent again). Serial with evaluation.
   */
  refresh(what: readonly EngineState[]): Promise<void> {
    return this.serially(() => this.load(what));
  }

  /**
   * Sends again the notifications a previous run or leader left unfinished (the outbox), before anything this engine
   * produces next. Called when this instance starts leading, and when another instance changed the alerts (a leader
   * that lost the lead while saving leaves its step's notifications there). Nothing off the leader.
   */
  resumeNotifications(): Promise<void> {
    return this.serially(async () => {
      if (this.leads()) await this.outbox.resume();
    });
  }

  /**
   * This instance stopped leading: the notifier drops what it has not started sending (queued, or waiting for a
   * retry), so nothing it held — a firing the new leader may already have resolved — arrives after the new leader's
   * notifications. Their outbox entries stay: the new leader sends them, and this one again should it lead again.
   */
  abandonNotifications(): void {
    try {
      this.deps.notifier.abandon?.();
    } catch (err) {
      this.deps.logger.error({ err }, 'notifier abandon threw');
    }
  }

  private leads(): boolean {
    return this.deps.isLeader?.() ?? true;
  }

  /** Reads everything first and swaps it in at once: readers (the API, an evaluation) never see a half-loaded state. */
  private async load(what: readonly EngineState[]): Promise<void> {
    const store = this.deps.alertStore;
    const [stored, tracked, groups, silences] = await Promise.all([
      what.includes('rules') ? store.listRules() : null,
      what.includes('alerts') ? store.loadTracked() : null,
      what.includes('alerts') ? store.loadGroups() : null,
      what.includes('silences') ? store.listSilences() : null,
    ]);
    // Alerts this engine follows already, as the leader: their in-memory state (last activity, event matches) is the
    // newer. A follower keeps no live state (it sees no events), so on taking over everything counts as new.
    const known = new Map(this.leads() ? [...this.instances.values()].flat().map((a) => [a.id, a.lastActiveAt]) : []);
    if (tracked !== null && groups !== null) {
      const instances = new Map<string, AlertInstance[]>();
      // A stored alert says when it fired, not when its condition last held (that is not written at every
      // evaluation). One this engine already follows keeps what it knows; a firing one it did not know (a restart, a
      // new leader) counts as active at the load, so keep_firing_for never ends it early.
      const loadedAt = this.deps.clock.now();
      for (const stored of tracked) {
        const mine = known.get(stored.id);
        const lastActiveAt = mine !== undefined ? Math.max(mine, stored.lastActiveAt) : stored.state === 'firing' ? Math.max(stored.lastActiveAt, loadedAt) : stored.lastActiveAt;
        const a = lastActiveAt === stored.lastActiveAt ? stored : { ...stored, lastActiveAt };
        instances.set(a.ruleId, [...(instances.get(a.ruleId) ?? []), a]);
      }
      this.instances.clear();
      for (const [k, v] of instances) this.instances.set(k, v);
      this.groups.clear();
      for (const g of groups) this.groups.set(g.key, g);
    }
    if (stored !== null) {
      const next = new Map<string, AlertRule>();
      for (const s of stored) {
        const rule = this.parseStored(s.body, s.id, s.project);
        if (rule === null) this.deps.logger.warn({ rule: s.id }, 'stored alert rule no longer validates; skipped');
        else next.set(rule.id, rule);
      }
      for (const [id, rule] of this.apiRules) {
        if (next.has(id)) this.baselines.forget(id);
        else if ((this.instances.get(id)?.length ?? 0) > 0) this.leavingApi.set(id, { ...rule, enabled: false, keepFiringForMs: 0 });
      }
      for (const id of next.keys()) this.leavingApi.delete(id);
      this.apiRules.clear();
      for (const [id, rule] of next) this.apiRules.set(id, rule);
    }
    if (silences !== null) this.silenceList = silences;
    for (const rule of this.rules()) {
      if (rule.kind !== 'event' && rule.kind !== 'health' && rule.kind !== 'unpriced_model') continue;
      // Only what this engine did not follow: a match it dropped (the alert held by keep_firing_for) stays dropped.
      this.events.restore(rule, (this.instances.get(rule.id) ?? []).filter((a) => !known.has(a.id)), this.deps.clock.now());
    }
    this.refreshCounts();
  }

  /** Subscribes to committed batches: event and health rules fire from here, at once. */
  attach(fanout: FanOut): void {
    // Other instances' batches too (cluster live feed), so event rules see every instance's events on the leader.
    this.subscription = fanout.subscribe('alerts', (batch) => this.onBatch(batch), { remote: true });
  }

  close(): Promise<void> {
    this.subscription?.unsubscribe();
    this.subscription = null;
    return this.applying;
  }

  rules(): AlertRule[] {
    const ids = new Set<string>();
    const out: AlertRule[] = [];
    for (const r of [...this.staticRules, ...this.apiRules.values()]) if (!ids.has(r.id)) (ids.add(r.id), out.push(r));
    for (const [id, r] of this.leavingApi) if (!ids.has(id)) (ids.add(id), out.push(r));
    return out;
  }

  rule(id: string): AlertRule | undefined {
    return this.apiRules.get(id) ?? this.staticRules.find((r) => r.id === id);
  }

  /**
   * Replaces the env and file rules (SIGUSR2 reload). A rule that is gone but still has alerts stays, disabled, so
   * its alerts resolve (and say so) at the next evaluation like a disabled rule's; it is dropped at the next reload
   * once it has none.
   */
  async replaceStaticRules(next: readonly AlertRule[]): Promise<void> {
    await this.serially(async () => {
      const ids = new Set(next.map((r) => r.id));
      const leaving = this.staticRules
        .filter((r) => !ids.has(r.id) && (this.instances.get(r.id)?.length ?? 0) > 0)
        .map((r) => ({ ...r, enabled: false }));
      this.staticRules = [...next, ...leaving];
      this.refreshCounts();
    });
  }

  ruleStatus(id: string): RuleStatus | null {
    return this.status.get(id) ?? null;
  }

  isApiRule(id: string): boolean {
    return this.apiRules.has(id);
  }

  async putRule(rule: AlertRule, body: Record<string, unknown>, createdAt: number): Promise<void> {
    await this.deps.alertStore.putRule({ id: rule.id, project: rule.project, body, createdAt, updatedAt: this.deps.clock.now() });
    this.apiRules.set(rule.id, rule);
    this.baselines.forget(rule.id);
    this.refreshCounts();
  }

  /** Deletes an API rule; its firing alerts resolve (and say so) at once, as when Prometheus drops a rule. */
  async deleteRule(id: string): Promise<boolean> {
    const rule = this.apiRules.get(id);
    if (rule === undefined) return false;
    await this.deps.alertStore.deleteRule(id);
    this.apiRules.delete(id);
    // Off the leader, the leader hears of the deletion (cluster changes) and resolves the rule's alerts itself.
    if (!this.leads()) {
      this.status.delete(id);
      this.refreshCounts();
      return true;
    }
    await this.apply([{ rule: { ...rule, keepFiringForMs: 0, groupIntervalMs: 0 }, signals: [] }]);
    this.status.delete(id);
    this.refreshCounts();
    return true;
  }

  tracked(project: string): AlertInstance[] {
    return [...this.instances.values()].flat().filter((a) => a.project === project);
  }

  /** Acknowledges a firing alert: no repeats until it resolves. Null when no firing alert has this id. */
  async acknowledge(id: string, project: string): Promise<AlertInstance | null> {
    let result: AlertInstance | null = null;
    await this.serially(async () => {
      for (const [ruleId, list] of this.instances) {
        const i = list.findIndex((a) => a.id === id && a.project === project && a.state === 'firing');
        if (i < 0) continue;
        const now = this.deps.clock.now();
        const acked: AlertInstance = { ...list[i]!, acknowledgedAt: list[i]!.acknowledgedAt ?? now, stateSince: list[i]!.acknowledgedAt === null ? now : list[i]!.stateSince };
        this.instances.set(ruleId, list.map((a, j) => (j === i ? acked : a)));
        await this.deps.alertStore.saveAlerts([{ alert: acked, tracked: true }]);
        result = acked;
      }
    });
    return result;
  }

  silences(): Silence[] {
    return [...this.silenceList];
  }

  /**
   * Deletes resolved alerts and silences that ended before `beforeMs` from the store, and those silences from memory too
   * (they stayed listed by `GET /v1/silences` until a restart).
   */
  async pruneHistory(beforeMs: number): Promise<number> {
    const n = await this.deps.alertStore.prune(beforeMs);
    this.silenceList = this.silenceList.filter((x) => x.endsAt >= beforeMs);
    return n;
  }

  async putSilence(s: Silence): Promise<void> {
    await this.deps.alertStore.putSilence(s);
    this.silenceList = [...this.silenceList.filter((x) => x.id !== s.id), s];
  }

  /** The silence for this alert now, if any (the API shows it). */
  silencing(a: AlertInstance): Silence | null {
    return silencedBy(this.silenceList, a.project, a.labels, this.deps.clock.now());
  }

  /** One scheduled evaluation of every rule. Runs are never concurrent (BackgroundTasks), and applying is serial. */
  async evaluate(): Promise<void> {
    if (!this.leads()) return;
    const t0 = performance.now();
    const now = this.deps.clock.now();
    const rules = this.rules().filter((r) => r.enabled);
    const results: RuleResult[] = [];
    let failed = false;
    const windowRules = rules.filter((r): r is ThresholdRule | AnomalyRule => r.kind === 'threshold' || r.kind === 'anomaly');
    const series = await windowSeries(this.deps.store, windowRules, now, this.stats, (err) => {
      failed = true;
      this.deps.logger.error({ err }, 'alert evaluation: a window query failed');
    });
    const budgets = await budgetSeries(this.deps.store, rules.filter((r): r is BudgetRule => r.kind === 'budget'), now, this.stats).catch((err: unknown) => {
      failed = true;
      this.deps.logger.error({ err }, 'alert evaluation: budget query failed');
      return null;
    });
    let sample: HostSample | null = null;
    if (this.deps.sampler && rules.some((r) => r.kind === 'resource')) {
      sample = await this.deps.sampler.sample().catch((err: unknown) => {
        this.deps.logger.warn({ err }, 'alert evaluation: host sample failed');
        return null;
      });
    }
    for (const rule of rules) {
      let signals: Signal[] | 'keep';
      switch (rule.kind) {
        case 'threshold':
          signals = series.has(rule.id) ? thresholdSignals(rule, series.get(rule.id)!) : 'keep';
          break;
        case 'budget':
          signals = budgets === null ? 'keep' : budgetSignals(rule, budgets.get(rule.id) ?? [], now);
          break;
        case 'anomaly': {
          const current = series.get(rule.id)?.[0] ?? { labels: {}, value: null, samples: 0 };
          if (!series.has(rule.id)) signals = 'keep';
          else {
            const base = current.samples >= rule.minCount ? await this.baselines.values(this.deps.store, rule, now, this.stats).catch(() => null) : [];
            signals = base === null ? 'keep' : anomalySignals(rule, current, base);
          }
          break;
        }
        case 'resource':
          signals = resourceSignals(rule, sample);
          break;
        // Fed by the fan-out, which may step these rules while this evaluation awaits its queries: read when this
        // evaluation is applied (in turn with the fan-out's), so a newer state is never overwritten by an older one.
        case 'health':
          results.push({ rule, signals: () => this.events.healthSignals(rule), listed: rule });
          continue;
        case 'event':
          results.push({ rule, signals: () => this.events.eventSignals(rule, now), listed: rule });
          continue;
        case 'unpriced_model':
          results.push({ rule, signals: () => this.events.unpricedSignals(rule, now), listed: rule });
          continue;
      }
      results.push({ rule, signals, listed: rule });
    }
    // A disabled rule's alerts resolve (as if its condition stopped holding), so nothing stays firing unevaluated.
    for (const rule of this.rules()) {
      if (!rule.enabled && (this.instances.get(rule.id)?.length ?? 0) > 0) results.push({ rule: { ...rule, keepFiringForMs: 0 }, signals: [], listed: rule });
    }
    await this.apply(results, now);
    const took = performance.now() - t0;
    this.stats.evaluations += 1;
    if (failed) this.stats.evaluationFailures += 1;
    this.stats.lastEvaluationMs = Math.round(took * 10) / 10;
    this.stats.totalEvaluationMs += took;
    this.deps.onEvaluated?.(took / 1000, !failed);
  }

  private async onBatch(batch: readonly StoredEvent[]): Promise<void> {
    if (!this.leads()) return;
    const now = this.deps.clock.now();
    const rules = this.rules().filter((r) => r.enabled);
    const eventRules = rules.filter((r): r is EventRule => r.kind === 'event');
    const { touchedEvent, health } = this.events.record(batch, eventRules, now);
    this.stats.unpricedEvents = this.events.unpricedCounts().total;
    const touched = rules.filter((r) => touchedEvent.has(r.id) || (health && r.kind === 'health'));
    if (touched.length === 0) return;
    this.stats.eventTriggers += 1;
    await this.apply(touched.map((rule) => ({
      rule, listed: rule, signals: () => (rule.kind === 'event' ? this.events.eventSignals(rule, now) : this.events.healthSignals(rule as Extract<AlertRule, { kind: 'health' }>)),
    })), now);
  }

  /**
   * Steps each rule's lifecycle, plans notifications, persists the state and the notifications (the outbox) in one
   * transaction, then dispatches (never awaiting a channel).
   */
  private apply(results: readonly RuleResult[], at?: number): Promise<void> {
    return this.serially(async () => {
      // Leadership lost meanwhile: nothing is persisted or sent; the new leader steps from what was persisted.
      if (!this.leads()) return;
      if (this.storeBehind) {
        await this.load(['alerts']);
        this.storeBehind = false;
      }
      const now = at ?? this.deps.clock.now();
      const saves: Array<{ alert: AlertInstance; tracked: boolean }> = [];
      const drops: string[] = [];
      const groupUpserts: GroupState[] = [];
      const groupDeletes: string[] = [];
      const notifications: Notification[] = [];
      const refresh: Notification[] = [];
      const listed = new Set(this.rules());
      for (const result of results) {
        if (result.listed !== undefined && !listed.has(result.listed)) continue;
        const rule = result.rule;
        const signals = typeof result.signals === 'function' ? result.signals() : result.signals;
        const step = stepRule({ rule, alertType: alertTypeOf(rule), signals, previous: this.instances.get(rule.id) ?? [], now, newId: randomUUID });
        this.noteStatus(rule, signals, now);
        const plan = planNotifications({
          rule, instances: step.instances, groups: this.groups, now, externalUrl: this.deps.externalUrl(),
          isSilenced: (a) => silencedBy(this.silenceList, a.project, a.labels, now) !== null,
        });
        const settled = new Map(plan.settled.map((a) => [a.id, a]));
        const kept = step.instances.filter((a) => !settled.has(a.id));
        if (kept.length > 0) this.instances.set(rule.id, kept);
        else this.instances.delete(rule.id);
        for (const a of step.changed) if (!settled.has(a.id)) saves.push({ alert: a, tracked: true });
        for (const a of settled.values()) saves.push({ alert: a, tracked: false });
        drops.push(...step.dropped.map((a) => a.id));
        groupUpserts.push(...plan.upserts);
        groupDeletes.push(...plan.deletes);
        for (const g of plan.upserts) this.groups.set(g.key, g);
        for (const k of plan.deletes) this.groups.delete(k);
        notifications.push(...plan.notifications);
        refresh.push(...plan.refresh);
      }
      // State and notifications in one transaction, before dispatching: a notification recorded as sent (its group)
      // is in the outbox until every channel has finished with it, so a crash or a shutdown sends it late, never not.
      const entries = this.outbox.entries(notifications, now);
      if (saves.length > 0 || drops.length > 0 || groupUpserts.length > 0 || groupDeletes.length > 0 || entries.length > 0) {
        try {
          await this.deps.alertStore.commit({ saves, deletes: drops, groupUpserts, groupDeletes, outbox: entries });
        } catch (err) {
          this.storeBehind = true;
          throw err;
        }
      }
      // Leadership lost while saving: the new leader sends them from the outbox (sending them here too could send twice).
      if (!this.leads() && entries.length > 0) {
        this.deps.logger.warn({ notifications: entries.length }, 'alert notifications left to the next leader: this instance stopped leading while saving them');
        entries.length = 0;
      }
      if (!this.leads()) refresh.length = 0;
      this.stats.notifications += entries.length;
      this.outbox.dispatch(entries);
      for (const n of refresh) {
        try {
          this.deps.notifier.refresh?.(n);
        } catch (err) {
          this.deps.logger.error({ err, group: n.groupKey }, 'notifier refresh threw');
        }
      }
      this.refreshCounts();
    });
  }

  private noteStatus(rule: AlertRule, signals: Signal[] | 'keep', now: number): void {
    if (signals === 'keep') {
      const prev = this.status.get(rule.id);
      this.status.set(rule.id, { value: prev?.value ?? null, evaluatedAt: now, series: prev?.series ?? 0, note: rule.kind === 'resource' && !this.deps.sampler ? 'no host sampler' : 'no verdict (no data or a failed query)' });
      return;
    }
    const pick = signals.find((s) => s.active) ?? signals.reduce<Signal | undefined>((best, s) => (best === undefined || (s.value ?? -Infinity) > (best.value ?? -Infinity) ? s : best), undefined);
    this.status.set(rule.id, { value: pick?.value ?? null, evaluatedAt: now, series: signals.length, note: signals.length === 0 ? 'no data' : null });
  }

  private refreshCounts(): void {
    // A rule deleted elsewhere stays (disabled) only while it has alerts to resolve.
    for (const id of this.leavingApi.keys()) if ((this.instances.get(id)?.length ?? 0) === 0) this.leavingApi.delete(id);
    const all = [...this.instances.values()].flat();
    this.stats.rules = this.rules().length;
    this.stats.firing = all.filter((a) => a.state === 'firing').length;
    this.stats.pending = all.filter((a) => a.state === 'pending').length;
    if (this.deps.onFiring) {
      const bySeverity: Partial<Record<AlertSeverity, number>> = {};
      for (const a of all) if (a.state === 'firing') bySeverity[a.severity] = (bySeverity[a.severity] ?? 0) + 1;
      this.deps.onFiring(bySeverity);
    }
  }

  private serially(fn: () => Promise<void>): Promise<void> {
    const run = this.applying.then(fn);
    this.applying = run.catch((err: unknown) => this.deps.logger.error({ err }, 'alert engine: apply failed'));
    return run;
  }
}
