import type { Channel, SendResult } from '../alerts/types.js';
import type { AlertStore } from '../alerts/store/alert-store.js';
import type { RenderedReport } from './render.js';
import type { ReportSender } from './runner.js';
import type { ReportSpec } from './schedule.js';
import type { ReportAlert } from './summary.js';

export interface ChannelReportSenderDeps {
  /** Resolves a `notify` list to channels (the alert notifier's routing: names, e-mail addresses, URLs). */
  channelsFor(entries: readonly string[]): Channel[];
  attemptTimeoutMs?: number;
  /** Waits before retry n (1-based); default 2 s, 8 s. */
  backoffMs?: readonly number[];
  sleep?: (ms: number) => Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Sends a report through the alert channels: each channel independently, a retryable failure retried twice (2 s, then
 * 8 s, or the receiver's Retry-After up to a minute), a channel that takes no reports (PagerDuty, Alertmanager: they
 * page) reported as failed for it. The runner records the outcome in report_runs.
 */
export class ChannelReportSender implements ReportSender {
  constructor(private readonly deps: ChannelReportSenderDeps) {}

  async send(report: RenderedReport, spec: ReportSpec): Promise<{ delivered: string[]; failed: { channel: string; error: string }[] }> {
    const channels = this.deps.channelsFor(spec.notify);
    const results = await Promise.all(channels.map(async (channel) => ({ channel: channel.name, result: await this.deliver(channel, report) })));
    return {
      delivered: results.filter((r) => r.result.outcome === 'success').map((r) => r.channel),
      failed: results.flatMap((r) => (r.result.outcome === 'success' ? [] : [{ channel: r.channel, error: r.result.error }])),
    };
  }

  private async deliver(channel: Channel, report: RenderedReport): Promise<SendResult> {
    if (!channel.sendReport) return { outcome: 'failure', error: `a ${channel.type} channel does not take reports` };
    const backoff = this.deps.backoffMs ?? [2_000, 8_000];
    let last: SendResult = { outcome: 'failure', error: 'not sent' };
    for (let attempt = 0; attempt <= backoff.length; attempt++) {
      last = await channel.sendReport(report, AbortSignal.timeout(this.deps.attemptTimeoutMs ?? 10_000));
      if (last.outcome !== 'retryable' || attempt === backoff.length) return last;
      await (this.deps.sleep ?? sleep)(Math.min(60_000, last.retryAfterMs ?? backoff[attempt]!));
    }
    return last;
  }
}

/**
 * How many alerts changed since the period began are looked at: the period's own and those of the time between its
 * end and the send (newest first), which pushed the period's out when only 50 were read.
 */
const SCAN_LIMIT = 10_000;

/**
 * The alerts a report lists: those of the project that fired before the period's end and had not resolved before its
 * start — firing during the period for some time — earliest first.
 */
export function periodAlerts(store: AlertStore): (project: string, startMs: number, endMs: number) => Promise<ReportAlert[]> {
  return async (project, startMs, endMs) => {
    const alerts = await store.listAlerts({ project, since: startMs, limit: SCAN_LIMIT });
    return alerts
      .filter((a) => a.state !== 'pending' && (a.firedAt ?? a.activeAt) < endMs && (a.resolvedAt === null || a.resolvedAt >= startMs))
      .sort((a, b) => (a.firedAt ?? a.activeAt) - (b.firedAt ?? b.activeAt) || a.id.localeCompare(b.id))
      .map((a) => ({
        rule: a.ruleName,
        severity: a.severity,
        message: a.message,
        startsAt: new Date(a.firedAt ?? a.activeAt).toISOString(),
        endsAt: a.resolvedAt === null ? null : new Date(a.resolvedAt).toISOString(),
      }));
  };
}
