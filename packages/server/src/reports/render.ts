import type { ReportSummary } from './summary.js';

/**
 * One report in every form a channel sends: a subject, plain text and HTML (email's two parts), Slack's and
 * Discord's payloads, and the summary itself as JSON (webhooks). Channels pick their part.
 */
export interface RenderedReport {
  subject: string;
  text: string;
  html: string;
  slack: { text: string; attachments: { color: string; title: string; fields: { title: string; value: string; short: boolean }[] }[] };
  discord: { embeds: { title: string; description: string; color: number; fields: { name: string; value: string; inline: boolean }[]; timestamp: string }[] };
  json: { type: 'pulse_report'; report: ReportSummary };
}

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const usd = (v: number): string => `$${v < 1 ? v.toFixed(4) : v.toFixed(2)}`;
const ms = (v: number | null): string => (v === null ? '—' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`);
const pct = (v: number | null): string => (v === null ? '—' : `${(v * 100).toFixed(1)} %`);

function trend(s: ReportSummary): string {
  const c = s.cost.change_pct;
  if (c === null) return s.cost.previous_usd === 0 ? 'no cost in the previous period' : '—';
  return `${c >= 0 ? '+' : ''}${c.toFixed(1)} % vs ${usd(s.cost.previous_usd)} the period before`;
}

/** The report as labelled lines, shared by every text-like form. */
type Section = { title: string; lines: [string, string][] };

function sections(s: ReportSummary): Section[] {
  const list: Section[] = [
    {
      title: 'Usage',
      lines: [
        ['Events', int.format(s.usage.events)], ['LLM calls', int.format(s.usage.llm_calls)], ['Messages', int.format(s.usage.messages)],
        ['Users', int.format(s.usage.unique_users)],
        ['Tokens', `${int.format(s.usage.input_tokens)} in / ${int.format(s.usage.output_tokens)} out`],
      ],
    },
    { title: 'Cost', lines: [['Cost', usd(s.cost.usd)], ['Trend', trend(s)]] },
    {
      title: 'Latency (LLM calls)',
      lines: [['Average', ms(s.latency.avg_ms)], ['p50 / p95 / p99', `${ms(s.latency.p50_ms)} / ${ms(s.latency.p95_ms)} / ${ms(s.latency.p99_ms)}`], ['TTFT p95', ms(s.latency.p95_ttft_ms)]],
    },
    {
      title: 'Errors',
      lines: [['Errors', `${int.format(s.errors.count)} (${pct(s.errors.rate)})`], ...s.errors.top.map((e): [string, string] => [e.error_type, int.format(e.count)])],
    },
    { title: 'Top models', lines: s.top_models.map((m): [string, string] => [m.name, `${int.format(m.count)} calls, ${usd(m.cost_usd)}`]) },
    { title: 'Top personas', lines: s.top_personas.map((p): [string, string] => [p.name, `${int.format(p.count)} events, ${usd(p.cost_usd)}`]) },
    {
      title: 'Alerts',
      lines: s.alerts.length === 0
        ? [['Alerts', 'none in this period']]
        : s.alerts.map((a): [string, string] => [`[${a.severity}] ${a.rule}`, `${a.message} (${a.startsAt}${a.endsAt ? ` → ${a.endsAt}` : ', still firing'})`]),
    },
  ];
  return list.filter((x) => x.lines.length > 0);
}

const escapeHtml = (t: string): string =>
  t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** Discord's documented limits: field name 256, value 1024, ≤ 25 fields, description 4096, title 256. */
const cut = (t: string, n: number): string => (t.length > n ? `${t.slice(0, n - 1)}…` : t);

export function renderReport(s: ReportSummary): RenderedReport {
  const subject = `Pulse ${s.period.label} report — ${s.project}: ${int.format(s.usage.events)} events, ${usd(s.cost.usd)}`;
  const parts = sections(s);
  const text = [
    subject, `${s.period.start} → ${s.period.end}`, '',
    ...parts.flatMap((p) => [p.title, ...p.lines.map(([k, v]) => `  ${k}: ${v}`), '']),
  ].join('\n').trimEnd() + '\n';
  const html = [
    '<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#1a1f29">',
    `<h2>${escapeHtml(subject)}</h2>`,
    `<p style="color:#5a6475">${escapeHtml(s.period.start)} → ${escapeHtml(s.period.end)}</p>`,
    ...parts.map((p) =>
      `<h3>${escapeHtml(p.title)}</h3><table cellpadding="4" style="border-collapse:collapse">${p.lines
        .map(([k, v]) => `<tr><td style="color:#5a6475">${escapeHtml(k)}</td><td>${escapeHtml(v)}</td></tr>`)
        .join('')}</table>`),
    '</body></html>',
  ].join('\n');
  const slackFields = parts.flatMap((p) => p.lines.map(([k, v]) => ({ title: `${p.title}: ${k}`, value: v, short: v.length < 40 })));
  const discordFields = parts.flatMap((p) => p.lines.map(([k, v]) => ({ name: cut(`${p.title}: ${k}`, 256), value: cut(v, 1024), inline: v.length < 40 }))).slice(0, 25);
  return {
    subject,
    text,
    html,
    slack: { text: subject, attachments: [{ color: '#1c6fd1', title: `${s.period.start} → ${s.period.end}`, fields: slackFields }] },
    discord: { embeds: [{ title: cut(subject, 256), description: cut(`${s.period.start} → ${s.period.end}`, 4096), color: 0x1c6fd1, fields: discordFields, timestamp: s.period.end }] },
    json: { type: 'pulse_report', report: s },
  };
}
