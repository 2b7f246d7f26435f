import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, startTestPulse } from '../../test-support/pulse.js';
import { runDemo } from './run-demo.js';

type Pulse = Awaited<ReturnType<typeof startTestPulse>>;
let pulse: Pulse;
const ADMIN = 'demo-e2e-admin';

beforeAll(async () => {
  pulse = await startTestPulse({ apiKey: ADMIN });
});
afterAll(async () => {
  await pulse?.dispose();
});

const quiet = (): Writable => new Writable({ write: (_c, _e, cb) => cb() });

describe('pulse demo against the real server', () => {
  it('every event it sends is accepted, stored in the project, priced and queryable', async () => {
    const s = await runDemo(
      { url: pulse.url, key: ADMIN, project: 'demo', rate: 200, durationS: 1, backfillHours: 2, backfillEvents: 20_000, seed: 7, tty: false, progressIntervalMs: 1000, utcOffsetMinutes: 0 },
      quiet(),
    );
    expect(s.stoppedBy).toBe('duration');
    expect(s.rejected).toBe(0);
    expect(s.lost).toBe(0);
    expect(s.accepted).toBe(s.sent);
    expect(s.backfilled).toBe(20_000);
    const rows = await pulse.store.query(`SELECT count(*) AS n, count(cost_usd) AS priced, count(*) FILTER (WHERE type = 'llm' AND model IS NOT NULL) AS llm FROM events WHERE project = 'demo'`, []);
    expect(rows[0]!.n).toBe(s.accepted);
    // Every LLM call of the synthetic world uses a model the price table knows.
    expect(rows[0]!.priced).toBeGreaterThanOrEqual(rows[0]!.llm as number);
    const q = await getJson(`${pulse.url}/v1/query?measures=count&project=demo&start_date=2000-01-01`, { authorization: `Bearer ${ADMIN}` });
    expect(q.json.data[0].count).toBe(s.accepted);
  });
});
