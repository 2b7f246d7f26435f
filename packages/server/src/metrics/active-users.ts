/**
 * `active_users_total{project,service}`: distinct users seen in the last `windowMs` (default 5 minutes,
 * as the SDK's gauge), per project and service. One Map per series, kept in last-seen order, so a touch
 * is O(1) and expiry O(expired). At most `maxUsers` users are remembered in all; beyond, the series'
 * least recently seen one is forgotten early (the gauge then under-counts, never grows without bound).
 */
export class ActiveUsers {
  private readonly series = new Map<string, { project: string; service: string; users: Map<string, number> }>();
  private total = 0;

  constructor(
    readonly windowMs: number,
    private readonly maxUsers = 200_000,
  ) {}

  touch(project: string, service: string, userId: string, atMs: number): void {
    const key = `${project}\u0001${service}`;
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { project, service, users: new Map() }));
    const { users } = s;
    if (users.delete(userId)) this.total--;
    users.set(userId, atMs);
    this.total++;
    if (this.total > this.maxUsers) {
      const oldest = users.keys().next().value;
      if (oldest !== undefined && users.delete(oldest)) this.total--;
    }
  }

  /** Expires users older than the window and reports each series' count (0 for a series gone quiet). */
  forEach(nowMs: number, fn: (project: string, service: string, count: number) => void): void {
    const cutoff = nowMs - this.windowMs;
    for (const s of this.series.values()) {
      for (const [user, at] of s.users) {
        if (at > cutoff) break;
        s.users.delete(user);
        this.total--;
      }
      fn(s.project, s.service, s.users.size);
    }
  }
}
