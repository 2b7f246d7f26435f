import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AlertMetrics } from '../metrics/alert-metrics.js';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { ConfigError } from '../config/load.js';
import type { PulseConfig } from '../config/types.js';
import type { FanOut } from '../fanout/fanout.js';
import type { HostSampler } from '../health/host-sample.js';
import type { EventStore } from '../store/types.js';
import type { BackgroundTasks } from '../tasks/background-tasks.js';
import { AlertEngine } from './engine/engine.js';
import { envRules } from './rules/env-rules.js';
import type { AlertRule } from './rules/model.js';
import { formatRulesErrors, readRulesFile } from './rules/rules-file.js';
import { notifyProblem } from './rules/notify-check.js';
import { parseRule } from './rules/schema.js';
import type { AlertStore } from './store/alert-store.js';
import type { Notifier } from './types.js';

export interface AlertingDeps {
  config: PulseConfig;
  store: EventStore;
  alertStore: AlertStore;
  fanout: FanOut;
  tasks: BackgroundTasks;
  clock: Clock;
  logger: Logger;
  notifier: Notifier;
  sampler?: HostSampler | null;
  externalUrl: () => string;
  cwd?: string;
  /** `/metrics`: evaluation rounds and firing alerts (metrics/alert-metrics.ts). */
  metrics?: Pick<AlertMetrics, 'evaluation' | 'firing'> | null;
  /** Whether this instance leads (cluster/); only the leader evaluates and notifies. Default: always. */
  isLeader?: () => boolean;
}

/** PULSE_CONFIG and PULSE_RULES as absolute paths, one file named by both (or through a link) read once. */
export function ruleFiles(config: Pick<PulseConfig, 'configFile' | 'alerts'>, cwd = process.cwd()): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const file of [config.configFile, config.alerts.rulesFile]) {
    if (!file) continue;
    const path = resolve(cwd, file);
    let real = path;
    try {
      real = realpathSync(path);
    } catch {
      // Missing or unreadable: the read below reports it.
    }
    if (seen.has(real)) continue;
    seen.add(real);
    out.push(path);
  }
  return out;
}

/**
 * The files rules come from: the `alerts:` list of PULSE_CONFIG and the file named by PULSE_RULES. A rule file
 * with errors stops the start, listing every error with its line (as `pulse check` does).
 */
export function staticRules(config: PulseConfig, cwd = process.cwd()): AlertRule[] {
  const rules: AlertRule[] = [...envRules(config.alerts)];
  for (const path of ruleFiles(config, cwd)) {
    let result;
    try {
      result = readRulesFile(path);
    } catch (err) {
      throw new ConfigError(`alert rules: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    if (result.errors.length > 0) throw new ConfigError(`alert rules are invalid:\n${formatRulesErrors(path, result.errors)}`);
    for (const rule of result.rules) {
      if (rules.some((r) => r.id === rule.id)) throw new ConfigError(`alert rules: ${path}: rule "${rule.name}" is defined twice`);
      rules.push(rule);
    }
  }
  return rules;
}

/** Builds the engine, loads its state, subscribes it to the fan-out and schedules `alert-evaluation`. */
export async function startAlerting(deps: AlertingDeps): Promise<{ engine: AlertEngine; reload(next: PulseConfig): Promise<void>; stop(): Promise<void> }> {
  const rules = staticRules(deps.config, deps.cwd);
  await deps.alertStore.init();
  const engine = new AlertEngine({
    store: deps.store, alertStore: deps.alertStore, notifier: deps.notifier, clock: deps.clock, logger: deps.logger,
    sampler: deps.sampler ?? null, staticRules: rules, externalUrl: deps.externalUrl,
    ...(deps.isLeader ? { isLeader: deps.isLeader } : {}),
    ...(deps.metrics ? { onEvaluated: (sec: number, ok: boolean) => deps.metrics!.evaluation(sec, ok), onFiring: (by: Parameters<AlertMetrics['firing']>[0]) => deps.metrics!.firing(by) } : {}),
  });
  await engine.init((body, id, project) => {
    const parsed = parseRule(body, { source: 'api', project, id });
    return parsed.ok ? parsed.rule : null;
  });
  engine.attach(deps.fanout);
  // File and env rules naming a channel that does not exist still evaluate (the page shows in the API and the
  // dashboard); the start says so, and `pulse check` reports it as an error with its line.
  const channels = deps.notifier.channelNames();
  for (const rule of rules) {
    for (const entry of rule.notify) {
      const problem = notifyProblem(entry, channels);
      if (problem !== null) deps.logger.warn({ rule: rule.id }, `alert rule ${rule.name}: notify ${problem}`);
    }
  }
  const intervalMs = Math.round(deps.config.alerts.intervalSeconds * 1000);
  const unschedule = deps.tasks.schedule({
    name: 'alert-evaluation',
    description: `evaluates ${rules.length}+ alert rules every ${deps.config.alerts.intervalSeconds}s`,
    intervalMs,
    leaderOnly: true,
    run: () => engine.evaluate(),
  });
  // History follows the events' retention (RETENTION_DAYS): resolved alerts and expired silences older than that go.
  const unscheduleRetention = deps.tasks.schedule({
    name: 'alert-history-retention',
    description: `deletes resolved alerts and expired silences older than ${deps.config.retentionDays} days`,
    intervalMs: 3_600_000,
    firstDelayMs: 120_000,
    leaderOnly: true,
    run: async () => {
      await engine.pruneHistory(deps.clock.now() - deps.config.retentionDays * 86_400_000);
    },
  });
  return {
    engine,
    // A rules file with errors throws here (every error with its line) and nothing changes.
    reload: (next) => engine.replaceStaticRules(staticRules(next, deps.cwd)),
    async stop() {
      unscheduleRetention();
      unschedule();
      await engine.close();
    },
  };
}

/**
 * The notifier used until delivery (alerts/delivery) is wired: it logs each notification's summary so an operator
 * sees that an alert fired, and says no channel is configured. Never a secret: notifications carry none.
 */
export function loggingNotifier(logger: Pick<Logger, 'warn'>): Notifier {
  return {
    dispatch(n, receipt) {
      logger.warn({ group: n.groupKey, status: n.status, alerts: n.alerts.map((a) => a.message) }, 'alert notification (no delivery configured)');
      // Nothing more will be done with it: its outbox entry goes.
      void receipt?.allDone();
    },
    channelNames: () => [],
    close: async () => undefined,
  };
}
