import { describe, expect, it } from 'vitest';
import { DISCORD_LIMITS, embedChars, type DiscordEmbed } from '../alerts/channels/discord.js';
import { renderReport } from './render.js';
import type { ReportAlert, ReportSummary } from './summary.js';

const ranked = (prefix: string) => Array.from({ length: 5 }, (_, i) => ({ name: `${prefix}-${i}`, count: 10 - i, cost_usd: 1 + i }));
const alert = (i: number, message = `p95 above 2 s on model ${i}`): ReportAlert => ({
  rule: `latency-${i}`, severity: 'high', message, startsAt: '2026-11-30T10:00:00.000Z', endsAt: null,
});

/** A busy day: five error types, five models, five personas and a few alerts — every section full. */
function busy(over: Partial<ReportSummary> = {}): ReportSummary {
  return {
    project: 'default',
    period: { start: '2026-11-30T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z', label: 'daily', timezone: 'UTC' },
    usage: { events: 1000, llm_calls: 600, messages: 300, unique_users: 42, input_tokens: 123_456, output_tokens: 65_432 },
    cost: { usd: 12.5, previous_usd: 10, change_pct: 25, unpriced_tokens: 0, unpriced_models: [] },
    latency: { avg_ms: 900, p50_ms: 800, p95_ms: 2100, p99_ms: 3500, p95_ttft_ms: 400 },
    errors: { count: 20, rate: 0.02, top: ranked('err').map((r) => ({ error_type: r.name, count: r.count })) },
    top_models: ranked('model'),
    top_personas: ranked('persona'),
    alerts: [alert(1), alert(2), alert(3)],
    alerts_total: 3,
    ...over,
  };
}

describe('report forms', () => {
  it('Discord: every section is in the embed, the alerts too, however full the other sections are', () => {
    const embed = renderReport(busy()).discord.embeds[0]!;
    const all = JSON.stringify(embed);
    for (const name of ['err-4', 'model-4', 'persona-4', 'latency-1', 'latency-2', 'latency-3']) expect(all, name).toContain(name);
    expect(embed.fields.length).toBeLessThanOrEqual(DISCORD_LIMITS.fields);
  });

  it('Discord: the whole embed stays within the 6,000 characters Discord accepts, saying what it left out', () => {
    const long = 'x'.repeat(900);
    const s = busy({
      alerts: Array.from({ length: 30 }, (_, i) => alert(i, `${long} ${i}`)),
      errors: { count: 20, rate: 0.02, top: ranked('e').map((r) => ({ error_type: `${r.name}-${'y'.repeat(250)}`, count: r.count })) },
      top_models: ranked('m').map((r) => ({ ...r, name: `${r.name}-${'z'.repeat(250)}` })),
      top_personas: ranked('p').map((r) => ({ ...r, name: `${r.name}-${'w'.repeat(250)}` })),
    });
    const embed = renderReport(s).discord.embeds[0]!;
    expect(embedChars({ ...embed, url: '', footer: { text: '' } } as DiscordEmbed)).toBeLessThanOrEqual(DISCORD_LIMITS.total);
    expect(embed.fields.every((f) => Array.from(f.name).length <= 256 && Array.from(f.value).length <= 1024)).toBe(true);
    // The figures stay; what does not fit is counted.
    expect(JSON.stringify(embed)).toContain('$12.50');
    expect(JSON.stringify(embed)).toMatch(/\d+ more/);
  });

  it('Slack and Discord: names from the events are shown as typed, never as mentions, links or markup', () => {
    const s = busy({
      top_personas: [{ name: '<!channel>', count: 3, cost_usd: 1 }],
      errors: { count: 1, rate: 0.1, top: [{ error_type: '<https://evil.example|click here>', count: 1 }] },
      top_models: [{ name: '**gpt**', count: 1, cost_usd: 1 }],
      alerts: [alert(1, 'see <@U123> & <#C1>')],
    });
    const r = renderReport(s);
    const slack = JSON.stringify(r.slack);
    expect(slack).not.toContain('<!channel>');
    expect(slack).toContain('&lt;!channel&gt;');
    expect(slack).not.toContain('<https://evil.example|click here>');
    expect(slack).toContain('see &lt;@U123&gt; &amp; &lt;#C1&gt;');
    const discord = JSON.stringify(r.discord);
    expect(discord).toContain('\\\\*\\\\*gpt\\\\*\\\\*');
    expect(discord).not.toContain('<!channel>');
    // Plain text and JSON keep the names as they are.
    expect(r.text).toContain('<!channel>');
    expect(r.json.report.top_personas[0]!.name).toBe('<!channel>');
  });

  it('unpriced tokens: the cost section says how many the cost leaves out and of which models, names escaped', () => {
    const r = renderReport(busy({
      cost: { usd: 12.5, previous_usd: 10, change_pct: 25, unpriced_tokens: 12_345, unpriced_models: [{ model: '<!channel>', tokens: 12_000 }, { model: 'other', tokens: 345 }] },
    }));
    const line = 'Cost excludes 12,345 tokens of models without a price: <!channel>, other';
    expect(r.text).toContain(`  Trend: +25.0 % vs $10.00 the period before\n  Unpriced: ${line}\n`);
    expect(r.html).toContain('Cost excludes 12,345 tokens of models without a price: &lt;!channel&gt;, other');
    expect(r.slack.attachments[0]!.fields.find((f) => f.title === 'Cost: Unpriced')?.value).toBe('Cost excludes 12,345 tokens of models without a price: &lt;!channel&gt;, other');
    expect(r.discord.embeds[0]!.fields.find((f) => f.name === 'Cost')!.value).toContain('**Unpriced**: Cost excludes 12,345 tokens of models without a price: \\<!channel\\>, other');
    // The subject keeps its figures.
    expect(r.subject).toBe('Pulse daily report — default, 2026-11-30: 1,000 events, $12.50');
  });

  it('the subject names the local days of the period, so mail readers do not thread every report into one', () => {
    expect(renderReport(busy({
      period: { start: '2026-11-29T23:00:00.000Z', end: '2026-11-30T23:00:00.000Z', label: 'daily', timezone: 'Europe/Berlin' },
    })).subject).toBe('Pulse daily report — default, 2026-11-30: 1,000 events, $12.50');
    expect(renderReport(busy({
      period: { start: '2026-11-22T23:00:00.000Z', end: '2026-11-29T23:00:00.000Z', label: 'weekly', timezone: 'Europe/Berlin' },
    })).subject).toBe('Pulse weekly report — default, 2026-11-23 – 2026-11-29: 1,000 events, $12.50');
  });

  it('the period is shown in the report\'s time zone: Berlin\'s 30 November, not "11-29T23:00Z → 11-30T23:00Z"', () => {
    const r = renderReport(busy({
      period: { start: '2026-11-29T23:00:00.000Z', end: '2026-11-30T23:00:00.000Z', label: 'daily', timezone: 'Europe/Berlin' },
    }));
    const shown = '2026-11-30 00:00 → 2026-12-01 00:00 (Europe/Berlin)';
    expect(r.text.split('\n')[1]).toBe(shown);
    expect(r.html).toContain(shown);
    expect(r.slack.attachments[0]!.title).toBe(shown);
    expect(r.discord.embeds[0]!.description).toBe(shown);
    // A 30-minute zone, and the JSON keeps the instants.
    const india = renderReport(busy({ period: { start: '2026-11-29T18:30:00.000Z', end: '2026-11-30T18:30:00.000Z', label: 'daily', timezone: 'Asia/Kolkata' } }));
    expect(india.text).toContain('2026-11-30 00:00 → 2026-12-01 00:00 (Asia/Kolkata)');
    expect(india.json.report.period.start).toBe('2026-11-29T18:30:00.000Z');
  });

  it('a period with more alerts than a report lists says how many more there were', () => {
    const r = renderReport(busy({ alerts_total: 80 }));
    expect(r.text).toContain('More: 77 more alerts in this period');
    expect(JSON.stringify(r.discord)).toContain('77 more alerts in this period');
  });
});
