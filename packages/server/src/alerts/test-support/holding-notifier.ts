import type { DispatchReceipt, Notification, Notifier } from '../types.js';

/** A notifier that keeps what it is handed and finishes with it only when told (a process killed: never). */
export class HoldingNotifier implements Notifier {
  readonly held: { n: Notification; receipt: DispatchReceipt | undefined }[] = [];
  dispatch(n: Notification, receipt?: DispatchReceipt): void {
    this.held.push({ n, receipt });
  }
  channelNames(): string[] {
    return [];
  }
  async close(): Promise<void> {}
}
