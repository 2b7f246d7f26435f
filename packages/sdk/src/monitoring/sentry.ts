import type { SdkLogger } from '../transport/types.js';

/** The few @sentry/node functions used; a host may pass its own initialised module. */
export interface SentryLike {
  isInitialized(): boolean;
  initWithoutDefaultIntegrations(options: { dsn: string; environment?: string; release?: string; serverName?: string }): unknown;
  captureException(error: unknown, hint?: { tags?: Record<string, string>; extra?: Record<string, unknown> }): string;
  flush(timeoutMs?: number): Promise<boolean>;
}

interface Capture {
  error: unknown;
  tags: Record<string, string>;
  extra: Record<string, unknown>;
}

/** Captures made before the module has loaded are held, up to this many. */
const MAX_PENDING = 100;

/**
 * Forwards handled errors to Sentry. @sentry/node is imported on first use, so a host without a DSN
 * never loads it. If the host initialised Sentry itself, its client is used as is; otherwise Sentry is
 * initialised once, without default integrations, so the SDK does not instrument the host uninvited.
 */
export class SentryForwarder {
  private sentry: SentryLike | undefined;
  private loading: Promise<void> | undefined;
  private pending: Capture[] = [];

  constructor(
    private readonly dsn: string,
    private readonly environment: string | undefined,
    private readonly logger: SdkLogger,
    private readonly load: () => Promise<SentryLike> = async () => (await import('@sentry/node')) as unknown as SentryLike,
  ) {}

  capture(error: unknown, tags: Record<string, string>, extra: Record<string, unknown>): void {
    if (this.sentry) {
      this.send({ error, tags, extra });
      return;
    }
    if (this.pending.length < MAX_PENDING) this.pending.push({ error, tags, extra });
    this.loading ??= this.init();
  }

  async flush(timeoutMs: number): Promise<void> {
    await this.loading;
    await this.sentry?.flush(timeoutMs).catch(() => false);
  }

  private async init(): Promise<void> {
    try {
      const sentry = await this.load();
      if (!sentry.isInitialized()) {
        sentry.initWithoutDefaultIntegrations({ dsn: this.dsn, ...(this.environment ? { environment: this.environment } : {}) });
      }
      this.sentry = sentry;
      for (const c of this.pending.splice(0)) this.send(c);
    } catch (err) {
      this.pending = [];
      this.logger.warn({ err: (err as Error).message }, 'pulse: Sentry could not be initialised; errors are not forwarded');
    }
  }

  private send(c: Capture): void {
    try {
      this.sentry?.captureException(c.error, { tags: c.tags, extra: c.extra });
    } catch {
      // Forwarding is best effort; the error is already counted and shipped to Pulse.
    }
  }
}
