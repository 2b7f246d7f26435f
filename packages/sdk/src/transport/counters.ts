/** The numbers behind `client.stats()`; plain fields so the hot path pays an increment, nothing more. */
export class Counters {
  tracked = 0;
  sent = 0;
  sampledOut = 0;
  requests = 0;
  retries = 0;
  droppedTotal = 0;
  private readonly byReason: Record<string, number> = {};

  drop(reason: string, n = 1): void {
    if (n <= 0) return;
    this.droppedTotal += n;
    this.byReason[reason] = (this.byReason[reason] ?? 0) + n;
  }

  dropped(): { total: number; byReason: Record<string, number> } {
    return { total: this.droppedTotal, byReason: { ...this.byReason } };
  }
}
