import { LIMITS } from '@pulse/protocol';
import { errorMessageOf, errorTypeOf } from './error-info.js';
import type { MonitoringCore } from './core.js';
import { trackKPI } from './kpi.js';
import type { JobOutcome } from './types.js';

/** `monitoring.metrics`: seed 002's queue timer and generation counters. */
export class JobMetrics {
  /** Jobs running now, per queue: shipped as `active_jobs_total` so Pulse's own /metrics has the gauge too. */
  private readonly running = new Map<string, number>();

  constructor(private readonly core: MonitoringCore) {}

  /** Moves the queue's count of running jobs and ships it (a `metric` event Pulse sets its gauge from). */
  private active(queue: string, by: 1 | -1): void {
    const n = Math.max(0, (this.running.get(queue) ?? 0) + by);
    if (n === 0) this.running.delete(queue);
    else this.running.set(queue, n);
    this.core.ship({ type: 'metric', name: 'active_jobs_total', value: n, attributes: { queue_name: queue } });
  }

  /**
   * Starts timing a job: `active_jobs_total{queue_name}` goes up now and down when the returned function
   * is called, which also observes `queue_job_duration_seconds` (and counts `queue_failures_total` when told the
   * job failed) and ships a `job` event. Calling it again does nothing. Returns the duration in seconds.
   */
  startJobTimer(queue: string, jobType: string): (outcome?: JobOutcome) => number {
    const core = this.core;
    const started = performance.now();
    const labels = { service: core.service, queue_name: core.label('queue_name', queue) };
    core.safely('startJobTimer', () => {
      core.metrics.activeJobs.inc(labels);
      this.active(String(queue), 1);
    });
    let ended: number | undefined;
    return (outcome?: JobOutcome): number => {
      if (ended !== undefined) return ended;
      const seconds = (performance.now() - started) / 1000;
      ended = seconds;
      core.safely('endJobTimer', () => {
        core.metrics.activeJobs.dec(labels);
        this.active(String(queue), -1);
        core.metrics.queueJobDuration.observe(labels, seconds);
        const failed = outcome?.status === 'error' || outcome?.error !== undefined;
        // Pulse counts a failed `job` event in queue_failures_total: so does this process.
        if (failed) core.metrics.queueFailures.inc(labels);
        core.ship({
          type: 'job',
          name: String(jobType).slice(0, LIMITS.maxNameLength),
          duration_ms: seconds * 1000,
          status: failed ? 'error' : 'ok',
          ...(outcome?.error !== undefined
            ? { error_type: errorTypeOf(outcome.error), error_message: errorMessageOf(outcome.error) }
            : {}),
          attributes: { queue_name: String(queue) },
        });
      });
      return seconds;
    };
  }

  /** The `generation_success` KPI under seed 002's method name. */
  trackGenerationSuccess(type: string, extra: { model?: string; durationMs?: number; userId?: string } = {}): void {
    this.core.safely('trackGenerationSuccess', () => trackKPI(this.core, { type: 'generation_success', data: { type, ...extra } }));
  }

  /** The `generation_failure` KPI under seed 002's method name. */
  trackGenerationFailure(type: string, errorType: string, extra: { model?: string; message?: string; userId?: string } = {}): void {
    this.core.safely('trackGenerationFailure', () =>
      trackKPI(this.core, { type: 'generation_failure', data: { type, errorType, ...extra } }),
    );
  }
}

/** `monitoring.alerts`: failures an operator must hear about. */
export class Alerts {
  constructor(private readonly core: MonitoringCore) {}

  /**
   * Counts `queue_failures_total{queue_name}` and `errors_total{error_type,severity="high"}` (as Pulse counts the
   * event) and ships an `error` event with severity `high` and `attributes.alert = queue_failure`,
   * `attributes.queue_name`, for the server's alert rules to route.
   * Only `id` and `name` of `jobData` are sent: job payloads often hold user data or secrets.
   */
  alertQueueFailure(queue: string, error: unknown, jobData?: unknown): void {
    this.core.safely('alertQueueFailure', () => {
      const core = this.core;
      core.metrics.queueFailures.inc({ service: core.service, queue_name: core.label('queue_name', queue) });
      // The failure ships as an `error` event, which Pulse counts in errors_total too: so does this process.
      const errorType = errorTypeOf(error);
      core.metrics.errors.inc({ service: core.service, error_type: core.label('error_type', errorType), severity: 'high' });
      const job = (typeof jobData === 'object' && jobData !== null ? jobData : {}) as { id?: unknown; name?: unknown };
      const attributes: Record<string, string> = { alert: 'queue_failure', queue_name: String(queue) };
      if (typeof job.id === 'string' || typeof job.id === 'number') attributes.job_id = String(job.id).slice(0, 256);
      if (typeof job.name === 'string') attributes.job_name = job.name.slice(0, 256);
      core.ship({
        type: 'error',
        name: 'queue_failure',
        status: 'error',
        severity: 'high',
        error_type: errorType,
        error_message: errorMessageOf(error),
        attributes,
      });
    });
  }
}
