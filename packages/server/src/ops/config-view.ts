import { redactConfig } from '../config/load.js';
import type { PulseConfig } from '../config/types.js';
import { redactUrlQuery } from './redact-url.js';

const MASK = '***';

/**
 * `GET /api/config`: the effective settings with every secret as `"***"` (CONTRACT §9) — config/load.ts's
 * redactConfig, its markers turned into `***`, plus the health checks' headers (an Authorization for a probed
 * service) and any credentials in their URLs, and the query values of the alert endpoints' URLs.
 */
export function configView(cfg: PulseConfig): Record<string, unknown> {
  const redacted = redactConfig(cfg);
  redacted.healthChecks = cfg.healthChecks.map((c) =>
    c.type === 'http'
      ? { ...c, url: redactUrlQuery(c.url), headers: Object.fromEntries(Object.keys(c.headers).map((k) => [k, MASK])), body: c.body === null ? null : MASK }
      : c,
  );
  // Alert endpoints may carry a token in their query (a proxy's, a signed URL's): every query value goes, as for checks.
  const alerts = redacted.alerts as PulseConfig['alerts'];
  redacted.alerts = {
    ...alerts,
    alertmanagerUrl: alerts.alertmanagerUrl === null ? null : redactUrlQuery(alerts.alertmanagerUrl),
    pagerdutyEventsUrl: redactUrlQuery(alerts.pagerdutyEventsUrl),
  };
  // libpq's sslpassword (the client key's passphrase) besides `password=`, which config/load.ts masks.
  if (typeof redacted.postgresUrl === 'string') redacted.postgresUrl = redacted.postgresUrl.replace(/([?&]sslpassword=)[^&#]*/gi, '$1[redacted]');
  return mask(redacted) as Record<string, unknown>;
}

function mask(v: unknown): unknown {
  if (typeof v === 'string') return v === '[redacted]' ? MASK : v.replaceAll('[redacted]', MASK);
  if (Array.isArray(v)) return v.map(mask);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mask(x)]));
  return v;
}
