import type { HealthState } from './probes.js';
import type { ServiceHealth } from './registry.js';

export interface HealthReport {
  status: HealthState;
  timestamp: string;
  /** Seed 001's form: `2 days, 5:32:10`. */
  uptime: string;
  uptime_seconds: number;
  services: Record<string, ServiceHealth>;
}

/**
 * Overall status: `unhealthy` when Pulse's own store is, `degraded` when any watched service is not healthy,
 * else `healthy`. A service not checked yet (`unknown`) does not count.
 */
export function overallStatus(services: Record<string, ServiceHealth>): HealthState {
  if (services.store?.status === 'unhealthy') return 'unhealthy';
  const states = Object.values(services).map((s) => s.status);
  return states.some((s) => s === 'unhealthy' || s === 'degraded') ? 'degraded' : 'healthy';
}

export function formatUptime(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const days = Math.floor(s / 86_400);
  const hh = Math.floor((s % 86_400) / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return `${days} ${days === 1 ? 'day' : 'days'}, ${hh}:${mm}:${ss}`;
}

export function healthReport(services: Record<string, ServiceHealth>, now: number, startedAtMs: number): HealthReport {
  const uptimeSeconds = Math.round((now - startedAtMs) / 1000);
  return {
    status: overallStatus(services),
    timestamp: new Date(now).toISOString(),
    uptime: formatUptime(uptimeSeconds),
    uptime_seconds: uptimeSeconds,
    services,
  };
}
