/**
 * `active_users_total{project,service}`: distinct users seen in the last `windowMs` (default 5 minutes,
 * as the SDK's gauge), per project and service. A touch is one Map set (no key is built: project and
 * service each index one level); expiry walks the users at scrape time, O(users) every 15 s or so,
 * instead of keeping last-seen order on the ingest path. At most `maxUsers` are remembered in all;
 * beyond, a series forgets its oldest entries early (the gauge then under-counts, never grows unbounded).
 */
export class ActiveUsers {
  private readonly byProject = new Map<string, Map<string, Map<string, number>>>();
  private total = 0;

  constructor(
    readonly windowMs: number,
    private readonly maxUsers = 200_000,
  ) {}

  touch(project: string, service: string, userId: string, atMs: number): void {
    let services = this.byProject.get(project);
    if (!services) this.byProject.set(project, (services = new Map()));
    let users = services.get(service);
    if (!users) services.set(service, (users = new Map()));
    const size = users.size;
    users.set(userId, atMs);
    if (users.size === size) return;
    if (++this.total > this.maxUsers) {
      const first = users.keys().next().value;
      if (first !== undefined && first !== userId && users.delete(first)) this.total--;
    }
  }

  /** Expires users older than the window and reports each series' count (0 for a series gone quiet). */
  forEach(nowMs: number, fn: (project: string, service: string, count: number) => void): void {
    const cutoff = nowMs - this.windowMs;
    for (const [project, services] of this.byProject) {
      for (const [service, users] of services) {
        for (const [user, at] of users) {
          if (at <= cutoff) {
            users.delete(user);
            this.total--;
          }
        }
        fn(project, service, users.size);
      }
    }
  }
}
