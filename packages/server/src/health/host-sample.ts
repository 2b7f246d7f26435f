/**
 * The host's resources as resource alert rules and `/api/system` read them. The operations feature implements
 * `HostSampler` (systeminformation / node:os, the data directory's disk); alerting only depends on this interface.
 */
export interface HostSample {
  /** Whole-host CPU use over the last sampling interval, 0–100. */
  cpuPercent: number;
  /** Used memory (total − available), 0–100. */
  memoryPercent: number;
  memoryAvailableBytes: number;
  /** Use of the filesystem holding the data directory, 0–100. */
  diskPercent: number;
  diskFreeBytes: number;
}

export interface HostSampler {
  sample(): Promise<HostSample>;
}

/**
 * A health check's status change is recorded as an event of this type (name and service = the check's name,
 * `attributes.state` healthy|degraded|unhealthy, `attributes.previous`, `attributes.last_success`, `severity`, `error_message`), so alert rules
 * (kind `health`) and the dashboard use it like any event. Its `status` is always `ok`: a probe failing is not an
 * error of the project's traffic, and must not count in its error rate.
 */
export const HEALTH_EVENT_TYPE = 'health';
