/** One error `/api/debug/analytics` lists. Messages only: no stack, no request body, no secret. */
export interface RecentError {
  at: string;
  source: string;
  message: string;
}

/** The last `capacity` server-side errors (5xx answers, write-buffer and fan-out failures), newest last. */
export class ErrorLog {
  private readonly items: RecentError[] = [];
  private total = 0;

  constructor(private readonly now: () => number, private readonly capacity = 50) {}

  record(source: string, err: unknown): void {
    this.total++;
    const message = (err instanceof Error ? err.message : String(err)).slice(0, 500);
    this.items.push({ at: new Date(this.now()).toISOString(), source, message });
    if (this.items.length > this.capacity) this.items.shift();
  }

  snapshot(): { total: number; recent: RecentError[] } {
    return { total: this.total, recent: [...this.items] };
  }
}
