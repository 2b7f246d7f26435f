import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { TaskSpec } from '../tasks/background-tasks.js';
import type { EventStore } from '../store/types.js';
import { renderReport, type RenderedReport } from './render.js';
import { lastSendTime, periodFor, previousPeriod, type ReportSpec } from './schedule.js';
import { buildSummary, type ReportAlert } from './summary.js';

/** Delivery of a rendered report to the spec's `notify` list (the alert channels do it). */
export interface ReportSender {
  send(report: RenderedReport, spec: ReportSpec): Promise<{ delivered: string[]; failed: { channel: string; error: string }[] }>;
}

export interface ReportRun {
  name: string;
  periodStartMs: number;
  periodEndMs: number;
  status: 'claimed' | 'sent' | 'failed';
  claimedAt: number;
  finishedAt: number | null;
  detail: string | null;
}

/** Which report periods were sent: the record that makes a report go out once, across restarts and instances. */
export interface ReportRunStore {
  /**
   * Claims (name, period) for this sender: true when nobody has, or when an earlier claim was left unfinished for
   * longer than `staleMs` (its process died before recording the outcome).
   */
  claim(run: Pick<ReportRun, 'name' | 'periodStartMs' | 'periodEndMs' | 'claimedAt'>, staleMs: number): Promise<boolean>;
  finish(name: string, periodStartMs: number, status: 'sent' | 'failed', detail: string | null, atMs: number): Promise<void>;
  list(limit: number): Promise<ReportRun[]>;
}

export interface ReportRunnerDeps {
  specs: readonly ReportSpec[];
  store: EventStore;
  runs: ReportRunStore;
  sender: ReportSender;
  clock: Clock;
  logger: Pick<Logger, 'info' | 'error'>;
  /** The alerts of a project in a range (from the alert history), when alerting is on. */
  alerts?: (project: string, startMs: number, endMs: number) => Promise<ReportAlert[]>;
}

const STALE_CLAIM_MS = 10 * 60_000;

/**
 * Scheduled reports (CONTRACT §10): every minute, each report whose send time has passed and whose period has not
 * been claimed is built from the query layer, rendered and sent. A server that was down at the send time sends it
 * when it comes back, within the same period; a period is sent once — the claim is recorded before sending.
 */
export class ReportRunner {
  constructor(private readonly deps: ReportRunnerDeps) {}

  task(): TaskSpec {
    return {
      name: 'reports',
      description: `sends ${this.deps.specs.length} scheduled report(s): ${this.deps.specs.map((s) => `${s.name} (${s.schedule} at ${s.at} ${s.timezone})`).join(', ')}`,
      intervalMs: 60_000,
      firstDelayMs: 5_000,
      run: () => this.tick(),
    };
  }

  /**
   * Each report in turn; one that fails does not hold up the others, and the run then fails naming them, so the
   * background-task registry (`GET /api/background-tasks`) counts it. A period whose report could not be built stays
   * claimed and is tried again once the claim is stale (10 minutes).
   */
  async tick(): Promise<void> {
    const failed: string[] = [];
    for (const spec of this.deps.specs) {
      try {
        await this.runOne(spec);
      } catch (err) {
        this.deps.logger.error({ err, report: spec.name }, 'report failed');
        failed.push(`${spec.name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (failed.length > 0) throw new Error(`report failed: ${failed.join('; ')}`);
  }

  private async runOne(spec: ReportSpec): Promise<void> {
    const now = this.deps.clock.now();
    const sendAt = lastSendTime(spec, now);
    if (sendAt === null) return;
    const period = periodFor(spec, sendAt);
    // A report more than one period late is not news any more.
    if (now - sendAt > period.endMs - period.startMs) return;
    const claimed = await this.deps.runs.claim({ name: spec.name, periodStartMs: period.startMs, periodEndMs: period.endMs, claimedAt: now }, STALE_CLAIM_MS);
    if (!claimed) return;
    const summary = await buildSummary({
      store: this.deps.store,
      project: spec.project,
      period,
      previous: previousPeriod(spec, period),
      label: spec.schedule,
      timezone: spec.timezone,
      alerts: this.deps.alerts ? await this.deps.alerts(spec.project, period.startMs, period.endMs) : [],
    });
    const result = await this.deps.sender.send(renderReport(summary), spec);
    const failed = result.failed.map((f) => `${f.channel}: ${f.error}`).join('; ');
    const status = result.delivered.length > 0 || result.failed.length === 0 ? 'sent' : 'failed';
    await this.deps.runs.finish(spec.name, period.startMs, status, failed || null, this.deps.clock.now());
    this.deps.logger.info({ report: spec.name, period: summary.period, delivered: result.delivered, failed: result.failed.length }, 'report sent');
  }
}
