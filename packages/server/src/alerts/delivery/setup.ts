/** Builds delivery from the configuration: channels, routes, the notifier, and the pruning of old records. */
import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import type { PulseConfig } from '../../config/types.js';
import type { BackgroundTasks } from '../../tasks/background-tasks.js';
import { configureChannels, parseRoutes } from './channel-config.js';
import type { RetryPolicy } from './channel-queue.js';
import type { DeliveryOutcome, DeliveryStore } from './delivery-store.js';
import { DeliveryNotifier } from './notifier.js';
import { classifyNotifyEntry } from './routing.js';

export interface DeliveryDeps {
  config: PulseConfig;
  store: DeliveryStore;
  clock: Clock;
  logger: Logger;
  tasks: BackgroundTasks;
  fetch?: typeof fetch;
  policy?: Partial<RetryPolicy>;
  /** `/metrics`: every attempt by channel type and outcome. */
  onAttempt?: (channelType: string, outcome: DeliveryOutcome) => void;
}

/**
 * Checks the channels and routes of a configuration without opening anything (for `pulse check`): the error of the
 * first bad entry, naming its YAML path or variable, or null.
 */
export function checkDeliveryConfig(config: PulseConfig): string | null {
  try {
    const configured = configureChannels(config.alerts, { fetch: globalThis.fetch, clock: { now: () => Date.now() } });
    parseRoutes(config.alerts.routes, (entry) => {
      const t = classifyNotifyEntry(entry);
      return t.kind !== 'channel' || configured.channels.has(t.name);
    });
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Validates the channels and routes (a ConfigError names the bad field), opens the store, returns the notifier. */
export async function startDelivery(deps: DeliveryDeps): Promise<DeliveryNotifier> {
  const channelDeps = { fetch: deps.fetch ?? globalThis.fetch, clock: deps.clock };
  const configured = configureChannels(deps.config.alerts, channelDeps);
  const routes = parseRoutes(deps.config.alerts.routes, (entry) => {
    const t = classifyNotifyEntry(entry);
    return t.kind !== 'channel' || configured.channels.has(t.name);
  });
  await deps.store.init();
  const notifier = new DeliveryNotifier({
    configured, routes, store: deps.store, channelDeps, clock: deps.clock, logger: deps.logger,
    ...(deps.policy ? { policy: deps.policy } : {}),
    ...(deps.onAttempt ? { onAttempt: deps.onAttempt } : {}),
  });
  const retentionDays = deps.config.retentionDays;
  deps.tasks.schedule({
    name: 'alert-delivery-retention',
    description: `deletes alert delivery records older than ${retentionDays} days`,
    intervalMs: 3_600_000,
    firstDelayMs: 90_000,
    leaderOnly: true,
    run: async () => {
      await deps.store.prune(deps.clock.now() - retentionDays * 86_400_000);
    },
  });
  return notifier;
}
