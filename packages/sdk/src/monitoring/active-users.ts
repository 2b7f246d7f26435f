/**
 * `active_users_total` is a gauge of the distinct users seen in the last `windowMs` (default 5 minutes):
 * "currently active" in seed 002's words, and what makes its `max_over_time(active_users_total[24h])`
 * a daily-peak figure. A Map kept in last-seen order makes expiry O(expired): the oldest entry is first.
 * At most `maxUsers` are remembered; beyond that the least recently seen is forgotten early.
 */
export class ActiveUsers {
  private readonly lastSeen = new Map<string, number>();

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number,
    private readonly maxUsers = 100_000,
  ) {}

  touch(userId: string): void {
    this.lastSeen.delete(userId);
    this.lastSeen.set(userId, this.now());
    if (this.lastSeen.size > this.maxUsers) {
      const oldest = this.lastSeen.keys().next().value;
      if (oldest !== undefined) this.lastSeen.delete(oldest);
    }
  }

  count(): number {
    const cutoff = this.now() - this.windowMs;
    for (const [user, at] of this.lastSeen) {
      if (at > cutoff) break;
      this.lastSeen.delete(user);
    }
    return this.lastSeen.size;
  }
}
