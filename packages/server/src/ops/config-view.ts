import { redactConfig } from '../config/load.js';
import type { PulseConfig } from '../config/types.js';
import { redactUrlQuery } from './redact-url.js';

const MASK = '***';

/**
 * `GET /api/config`: the effective settings with every secret as `"***"` (CONTRACT §9) — config/load.ts's
 * redactConfig, its markers turned into `***`, plus the health checks' headers (an Authorization for a probed
 * service) and any credentials in their URLs.
 */
export function configView(cfg: PulseConfig): Record<string, unknown> {
  const redacted = redactConfig(cfg);
  redacted.healthChecks = cfg.healthChecks.map((c) =>
    c.type === 'http'
      ? { ...c, url: redactUrlQuery(c.url), headers: Object.fromEntries(Object.keys(c.headers).map((k) => [k, MASK])), body: c.body === null ? null : MASK }
      : c,
  );
  return mask(redacted) as Record<string, unknown>;
}

function mask(v: unknown): unknown {
  if (typeof v === 'string') return v === '[redacted]' ? MASK : v.replaceAll('[redacted]', MASK);
  if (Array.isArray(v)) return v.map(mask);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mask(x)]));
  return v;
}
