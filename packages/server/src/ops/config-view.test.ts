import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.js';
import { configView } from './config-view.js';

describe('GET /api/config view', () => {
  it('masks secrets carried in the query of the alert endpoints and the PostgreSQL URL, keeping their hosts', () => {
    const config = loadConfig({
      env: {
        ALERTMANAGER_URL: 'https://am.example.com/alertmanager?token=am-token-111',
        PAGERDUTY_EVENTS_URL: 'https://pd-proxy.example.com/v2/enqueue?sig=pd-sig-222',
        PULSE_POSTGRES_URL: 'postgres://pulse@db:5432/pulse?sslmode=verify-full&sslpassword=pg-ssl-333',
      },
    });
    const view = configView(config);
    const text = JSON.stringify(view);
    for (const secret of ['am-token-111', 'pd-sig-222', 'pg-ssl-333']) expect(text).not.toContain(secret);
    const alerts = view.alerts as Record<string, unknown>;
    expect(alerts.alertmanagerUrl).toBe('https://am.example.com/alertmanager?token=***');
    expect(alerts.pagerdutyEventsUrl).toBe('https://pd-proxy.example.com/v2/enqueue?sig=***');
    expect(view.postgresUrl).toBe('postgres://***@db:5432/pulse?sslmode=verify-full&sslpassword=***');
  });
});
