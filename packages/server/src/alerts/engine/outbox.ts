/**
 * The notification outbox: every notification the engine produces is written in the same transaction as the alert and
 * group state that produced it (`AlertStore.commit`), handed to the notifier, and deleted once every channel it targets
 * has finished with it — delivered, or given up for good. What a crash, a shutdown or a leader change leaves in it is
 * sent again (`resume`), to the channels that had not finished: at least once, as Alertmanager's notification log
 * records a notification only once its receiver accepted it. What the notifier dropped when this instance stopped
 * leading (`Notifier.abandon`) stays too: the new leader sends it, and this instance again should it lead again.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AlertStore, OutboxEntry } from '../store/alert-store.js';
import type { DispatchReceipt, Notification, Notifier } from '../types.js';

export interface OutboxDeps {
  store: Pick<AlertStore, 'listOutbox' | 'outboxChannelDone' | 'deleteOutbox'>;
  notifier: Notifier;
  logger: Pick<Logger, 'warn' | 'error'>;
  /** Whether this instance leads now (default: always): a resume whose read ends after the lead was lost sends nothing. */
  isLeader?: () => boolean;
}

export class NotificationOutbox {
  /**
   * Entries this process has handed to the notifier and not yet deleted: `resume` leaves them to their delivery
   * (another instance's change announced meanwhile, a leader that regained the lead while one was in flight). An entry
   * whose deletion failed stays here too, so it is sent again only by the next start. One the notifier dropped when
   * the lead was lost leaves it (`abandoned`), so `resume` sends it again.
   */
  private readonly handed = new Set<string>();

  constructor(private readonly deps: OutboxDeps) {}

  /** Outbox entries for the notifications of one engine step, in their order. */
  entries(notifications: readonly Notification[], now: number): OutboxEntry[] {
    return notifications.map((notification, position) => ({ id: randomUUID(), createdAt: now, position, notification, done: [] }));
  }

  /** Hands committed entries to the notifier; each is deleted once every channel has finished with it. */
  dispatch(entries: readonly OutboxEntry[]): void {
    for (const e of entries) {
      this.handed.add(e.id);
      try {
        this.deps.notifier.dispatch(e.notification, this.receipt(e));
      } catch (err) {
        this.deps.logger.error({ err, group: e.notification.groupKey }, 'notifier dispatch threw');
      }
    }
  }

  /**
   * Sends again, oldest first, what the store holds that this process has not handed to the notifier: what a previous
   * run (or leader) left when it stopped before every channel had finished. Returns how many.
   */
  async resume(): Promise<number> {
    // Also what was handed when the read began: one that finishes meanwhile leaves `handed` (its row deleted) while the
    // read, begun before the deletion, may still return its row — sending it again would be a duplicate.
    const handedBefore = new Set(this.handed);
    const listed = await this.deps.store.listOutbox();
    // The lead lost during the read: the new leader sends them (the notifier dropped what it held when it was lost).
    if (!(this.deps.isLeader?.() ?? true)) return 0;
    const left = listed.filter((e) => !handedBefore.has(e.id) && !this.handed.has(e.id));
    if (left.length > 0) this.deps.logger.warn({ notifications: left.length }, 'alert notifications left unfinished by a previous run: sending them again');
    this.dispatch(left);
    return left.length;
  }

  private receipt(e: OutboxEntry): DispatchReceipt {
    return {
      done: e.done,
      channelDone: async (channel) => {
        try {
          await this.deps.store.outboxChannelDone(e.id, channel);
        } catch (err) {
          // The channel is sent to again at the next start: a duplicate rather than a loss.
          this.deps.logger.error({ err, group: e.notification.groupKey, channel }, 'alert outbox: cannot record a channel as done');
        }
      },
      allDone: async () => {
        try {
          await this.deps.store.deleteOutbox(e.id);
          this.handed.delete(e.id);
        } catch (err) {
          this.deps.logger.error({ err, group: e.notification.groupKey }, 'alert outbox: cannot delete a finished notification');
        }
      },
      abandoned: () => {
        this.handed.delete(e.id);
      },
    };
  }
}
