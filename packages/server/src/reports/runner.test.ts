import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openEmbeddedStores } from '../store/duckdb/index.js';
import type { RenderedReport } from './render.js';
import { ReportRunner, type ReportSender } from './runner.js';
import type { ReportSpec } from './schedule.js';
import { blankEvent } from '../test-support/blank-event.js';

const dir = mkdtempSync(join(tmpdir(), 'pulse-reports-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HOUR = 3_600_000;
const DAY0 = Date.parse('2026-11-30T00:00:00Z');
const ev = blankEvent;

/**
 * A recording sender stands in for the alert channels here (they are tested with real receivers in alerts/); this
 * test is about what is sent when, and once.
 */
class RecordingSender implements ReportSender {
  sent: { report: RenderedReport; spec: ReportSpec }[] = [];
  async send(report: RenderedReport, spec: ReportSpec) {
    this.sent.push({ report, spec });
    return { delivered: ['test'], failed: [] };
  }
}

const spec: ReportSpec = { name: 'daily-ops', schedule: 'daily', at: '09:00', timezone: 'UTC', day: 'monday', notify: ['ops'], project: 'default' };
const logger = { info: () => {}, error: () => {} };

describe('scheduled reports', () => {
  it('sends the previous day once, with the figures the events imply, across a restart; then the next day', async () => {
    const dataDir = join(dir, 'a');
    let stores = await openEmbeddedStores({ dataDir });
    await stores.store.append({
      events: [
        // The reported day, 2026-11-30 (UTC).
        ev({ ts: DAY0 + 1 * HOUR, model: 'gpt-4o', persona: 'luna', user_id: 'u1', input_tokens: 100, output_tokens: 40, cost_usd: 0.3, duration_ms: 1000 }),
        ev({ ts: DAY0 + 2 * HOUR, model: 'gpt-4o', persona: 'luna', user_id: 'u2', input_tokens: 200, output_tokens: 60, cost_usd: 0.2, duration_ms: 3000, status: 'error', error_type: 'timeout' }),
        ev({ ts: DAY0 + 3 * HOUR, model: 'haiku', persona: '<b>rex</b>', user_id: 'u1', input_tokens: 50, output_tokens: 10, cost_usd: 0.1, duration_ms: 2000 }),
        ev({ ts: DAY0 + 4 * HOUR, type: 'message', persona: 'luna', user_id: 'u3' }),
        // The day before: cost 0.4, so the trend is +50 %.
        ev({ ts: DAY0 - 5 * HOUR, model: 'gpt-4o', cost_usd: 0.4, duration_ms: 500 }),
        // Today, after the period: not in the report.
        ev({ ts: DAY0 + 25 * HOUR, model: 'gpt-4o', cost_usd: 9, duration_ms: 500 }),
      ],
    });
    let now = Date.parse('2026-12-01T08:59:00Z');
    const clock = { now: () => now };
    const sender = new RecordingSender();
    let runner = new ReportRunner({ specs: [spec], store: stores.store, runs: stores.reportRuns, sender, clock, logger });
    await runner.tick();
    // 09:00 has not come yet today, but yesterday's 09:00 report (about 11-29) was never sent and is less than one
    // period late (23 h 59 min), so it goes out now.
    expect(sender.sent.map((s) => s.report.json.report.period.start)).toEqual(['2026-11-29T00:00:00.000Z']);
    now = Date.parse('2026-12-01T09:00:30Z');
    await runner.tick();
    await runner.tick();
    expect(sender.sent).toHaveLength(2);
    const r = sender.sent[1]!.report.json.report;
    expect(r.period).toEqual({ start: '2026-11-30T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z', label: 'daily', timezone: 'UTC' });
    expect(r.usage).toEqual({ events: 4, llm_calls: 3, messages: 1, unique_users: 3, input_tokens: 350, output_tokens: 110 });
    expect(r.cost.usd).toBeCloseTo(0.6, 10);
    expect(r.cost.previous_usd).toBeCloseTo(0.4, 10);
    expect(r.cost.change_pct).toBeCloseTo(50, 6);
    expect(r.latency.avg_ms).toBe(2000);
    // A day reads the rollups: the median comes from the 1 %-accurate latency sketch.
    expect(Math.abs(r.latency.p50_ms - 2000)).toBeLessThanOrEqual(20);
    expect(r.errors).toEqual({ count: 1, rate: 0.25, top: [{ error_type: 'timeout', count: 1 }] });
    expect(r.top_models).toEqual([{ name: 'gpt-4o', count: 2, cost_usd: 0.5 }, { name: 'haiku', count: 1, cost_usd: 0.1 }]);
    expect(r.top_personas.map((p) => [p.name, p.count])).toEqual([['luna', 3], ['<b>rex</b>', 1]]);

    // The forms: text and HTML (escaped), Slack and Discord within Discord's limits.
    const out = sender.sent[1]!.report;
    expect(out.subject).toBe('Pulse daily report — default, 2026-11-30: 4 events, $0.6000');
    expect(out.text).toContain('Trend: +50.0 % vs $0.4000 the period before');
    expect(out.html).toContain('&lt;b&gt;rex&lt;/b&gt;');
    expect(out.html).not.toContain('<b>rex</b>');
    expect(out.slack.attachments[0]!.fields.find((f) => f.title === 'Cost: Cost')?.value).toBe('$0.6000');
    const embed = out.discord.embeds[0]!;
    expect(embed.fields.length).toBeLessThanOrEqual(25);
    expect(embed.fields.every((f) => f.name.length <= 256 && f.value.length <= 1024)).toBe(true);

    // A restart does not send it again.
    await stores.close();
    stores = await openEmbeddedStores({ dataDir });
    runner = new ReportRunner({ specs: [spec], store: stores.store, runs: stores.reportRuns, sender, clock, logger });
    await runner.tick();
    expect(sender.sent).toHaveLength(2);
    expect((await stores.reportRuns.list(10)).map((x) => [new Date(x.periodStartMs).toISOString(), x.status])).toEqual([
      ['2026-11-30T00:00:00.000Z', 'sent'], ['2026-11-29T00:00:00.000Z', 'sent'],
    ]);

    // The next day, the next period.
    now = Date.parse('2026-12-02T09:01:00Z');
    await runner.tick();
    expect(sender.sent.map((s) => s.report.json.report.period.start).at(-1)).toBe('2026-12-01T00:00:00.000Z');
    expect(sender.sent.at(-1)!.report.json.report.usage.events).toBe(1);
    await stores.close();
  });

  it('a claim left unfinished by a crash is taken over after ten minutes, not before', async () => {
    const stores = await openEmbeddedStores({ dataDir: join(dir, 'b') });
    const periodStart = Date.parse('2026-11-30T00:00:00Z');
    const crashAt = Date.parse('2026-12-01T09:00:05Z');
    expect(await stores.reportRuns.claim({ name: 'daily-ops', periodStartMs: periodStart, periodEndMs: periodStart + 24 * HOUR, claimedAt: crashAt }, 600_000)).toBe(true);
    let now = crashAt + 5 * 60_000;
    const sender = new RecordingSender();
    const runner = new ReportRunner({ specs: [spec], store: stores.store, runs: stores.reportRuns, sender, clock: { now: () => now }, logger });
    await runner.tick();
    expect(sender.sent).toHaveLength(0);
    now = crashAt + 11 * 60_000;
    await runner.tick();
    expect(sender.sent).toHaveLength(1);
    await stores.close();
  });

  it('a report that cannot be built fails the task run (visible in /api/background-tasks); the other reports still go', async () => {
    const stores = await openEmbeddedStores({ dataDir: join(dir, 'c') });
    const other: ReportSpec = { ...spec, name: 'other-project', project: 'other' };
    // The default project's queries fail (a store timing out, say); the other project's work.
    const failing = Object.create(stores.store, {
      query: { value: async (sql: string, params: readonly unknown[]) => {
        if (params.includes('default')) throw new Error('query timed out');
        return stores.store.query(sql, params as never);
      } },
    });
    const sender = new RecordingSender();
    const errors: string[] = [];
    const runner = new ReportRunner({
      specs: [spec, other], store: failing, runs: stores.reportRuns, sender, clock: { now: () => Date.parse('2026-12-01T09:00:30Z') },
      logger: { info: () => {}, error: (_o: unknown, msg?: string) => { errors.push(String(msg)); } },
    });
    await expect(runner.tick()).rejects.toThrow(/daily-ops: query timed out/);
    expect(sender.sent.map((x) => x.spec.name)).toEqual(['other-project']);
    expect(errors).toEqual(['report failed']);
    await stores.close();
  });
});
