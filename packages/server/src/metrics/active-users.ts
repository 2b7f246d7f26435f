import { OVERFLOW_VALUE } from './series-cap.js';

/**
 * `active_users_total{project,service}`: distinct users seen in the last `windowMs` (default 5 minutes,
 * as the SDK's gauge), per project and service. A touch is one Map set (no key is built: project and
 * service each index one level); expiry walks the users at scrape time, O(users) every 15 s or so,
 * instead of keeping last-seen order on the ingest path. Memory is bounded twice: at most `maxSeries`
 * (project, service) pairs — later ones count under `__other__`, like the families' cap — and at most
 * `maxUsers` users in all — past it, users not already counted wait until older ones expire (the gauge
 * then under-counts; it never grows without bound).
 */
export class ActiveUsers {
  private readonly byProject = new Map<string, Map<string, Map<string, number>>>();
  private series = 0;
  private total = 0;

  constructor(
    readonly windowMs: number,
    private readonly maxSeries = 2000,
    private readonly maxUsers = 200_000,
  ) {}

  touch(project: string, service: string, userId: string, atMs: number): void {
    const users = this.users(project, service);
    // One hash lookup for the usual case, a user already counted: set, and see whether the map grew.
    const before = users.size;
    const seen = users.get(userId);
    // A late (backfilled) event never moves a user's last activity back.
    if (seen === undefined || atMs > seen) users.set(userId, atMs);
    if (users.size === before) return;
    if (this.total >= this.maxUsers) users.delete(userId);
    else this.total++;
  }

  private users(project: string, service: string): Map<string, number> {
    const found = this.byProject.get(project)?.get(service);
    if (found) return found;
    if (this.series >= this.maxSeries) {
      // One more series at most: the `__other__` one, made the first time the cap is hit.
      project = OVERFLOW_VALUE;
      service = OVERFLOW_VALUE;
      const other = this.byProject.get(project)?.get(service);
      if (other) return other;
    }
    let services = this.byProject.get(project);
    if (!services) this.byProject.set(project, (services = new Map()));
    const users = new Map<string, number>();
    services.set(service, users);
    this.series++;
    return users;
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
