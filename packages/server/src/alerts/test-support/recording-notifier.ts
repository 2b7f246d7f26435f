import type { DispatchReceipt, Notification, Notifier } from '../types.js';

/**
 * TEST DOUBLE for the delivery side (alerts/delivery): it records what the engine hands to `Notifier.dispatch`
 * instead of sending it anywhere. The engine's tests check notifications at the seam; the delivery tests check real
 * receivers (Slack, PagerDuty, SMTP, Alertmanager…) on their side of it.
 */
export class RecordingNotifier implements Notifier {
  readonly received: Notification[] = [];
  private waiters: Array<() => void> = [];

  constructor(private readonly channels: string[] = []) {}

  /** Receipts told so far (each notification counts as delivered to every channel at once). */
  private telling: Promise<void>[] = [];

  dispatch(notification: Notification, receipt?: DispatchReceipt): void {
    this.received.push(structuredClone(notification));
    if (receipt !== undefined) this.telling.push(receipt.allDone());
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves once every receipt told so far has been recorded (the outbox entries deleted). */
  async idle(): Promise<void> {
    await Promise.all(this.telling.splice(0));
  }

  channelNames(): string[] {
    return this.channels;
  }

  async close(): Promise<void> {
    await this.idle();
  }

  /** Resolves once `count` notifications have arrived (rejects after `timeoutMs`). */
  async waitFor(count: number, timeoutMs = 5000): Promise<Notification[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`expected ${count} notification(s), got ${this.received.length}`);
      await new Promise<void>((res) => {
        const t = setTimeout(res, left);
        this.waiters.push(() => (clearTimeout(t), res()));
      });
    }
    return this.received;
  }
}
