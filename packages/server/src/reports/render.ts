import { DISCORD_LIMITS, discordEscape } from '../alerts/channels/discord.js';
import { slackEscape } from '../alerts/channels/slack.js';
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

/** `YYYY-MM-DD HH:MM` in `timeZone`. */
function localTime(iso: string, timeZone: string): string {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

/** The period as its readers count it: local times in the report's zone (a Berlin day is 23:00Z to 23:00Z). */
function periodText(s: ReportSummary): string {
  const tz = s.period.timezone;
  return `${localTime(s.period.start, tz)} → ${localTime(s.period.end, tz)} (${tz})`;
}

/**
 * The local days the period covers, for the subject (`2026-11-30`, or `2026-11-23 – 2026-11-29` for a week): every
 * report of a schedule would otherwise have the same subject, and mail readers thread them into one conversation.
 */
function periodDays(s: ReportSummary): string {
  const first = localTime(s.period.start, s.period.timezone).slice(0, 10);
  const last = localTime(new Date(Date.parse(s.period.end) - 1).toISOString(), s.period.timezone).slice(0, 10);
  return first === last ? first : `${first} – ${last}`;
}

function trend(s: ReportSummary): string {
  const c = s.cost.change_pct;
  if (c === null) return s.cost.previous_usd === 0 ? 'no cost in the previous period' : '—';
  return `${c >= 0 ? '+' : ''}${c.toFixed(1)} % vs ${usd(s.cost.previous_usd)} the period before`;
}

/**
 * What the cost leaves out, or null when every token of the period was priced: `Cost excludes 12,345 tokens of models
 * without a price: new-model, other` (the models with the most such tokens; `and others` when there were more).
 */
export function unpricedText(s: ReportSummary): string | null {
  const { unpriced_tokens: tokens, unpriced_models: models } = s.cost;
  if (tokens <= 0) return null;
  const names = models.map((m) => m.model ?? '(no model)');
  const listed = models.reduce((n, m) => n + m.tokens, 0);
  if (listed < tokens) names.push('and others');
  return `Cost excludes ${int.format(tokens)} tokens of models without a price${names.length > 0 ? `: ${names.join(', ')}` : ''}`;
}

/** The report as labelled lines, shared by every text-like form. */
type Section = { title: string; lines: [string, string][] };

function sections(s: ReportSummary): Section[] {
  const unpriced = unpricedText(s);
  const list: Section[] = [
    {
      title: 'Usage',
      lines: [
        ['Events', int.format(s.usage.events)], ['LLM calls', int.format(s.usage.llm_calls)], ['Messages', int.format(s.usage.messages)],
        ['Users', int.format(s.usage.unique_users)],
        ['Tokens', `${int.format(s.usage.input_tokens)} in / ${int.format(s.usage.output_tokens)} out`],
      ],
    },
    { title: 'Cost', lines: [['Cost', usd(s.cost.usd)], ['Trend', trend(s)], ...(unpriced === null ? [] : [['Unpriced', unpriced] as [string, string]])] },
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
        : [
          ...s.alerts.map((a): [string, string] => [`[${a.severity}] ${a.rule}`, `${a.message} (${localTime(a.startsAt, s.period.timezone)}${a.endsAt ? ` → ${localTime(a.endsAt, s.period.timezone)}` : ', still firing'})`]),
          ...(s.alerts_total > s.alerts.length ? [['More', `${int.format(s.alerts_total - s.alerts.length)} more alerts in this period`] as [string, string]] : []),
        ],
    },
  ];
  return list.filter((x) => x.lines.length > 0);
}

const escapeHtml = (t: string): string =>
  t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

const len = (t: string): number => Array.from(t).length;
const cut = (t: string, n: number): string => (len(t) > n ? `${Array.from(t).slice(0, Math.max(0, n - 1)).join('')}…` : t);

/**
 * A section's lines as one Discord field value of at most `max` characters: the lines that fit, then how many more
 * there were (a line longer than the field is cut). Names from the events are escaped: Discord renders markdown.
 */
function discordValue(p: Section, max: number): string {
  const lines = p.lines.map(([k, v]) => `**${discordEscape(k)}**: ${discordEscape(v)}`);
  const more = (n: number): string => (n > 0 ? `\n… ${n} more` : '');
  let value = '';
  for (let i = 0; i < lines.length; i++) {
    const next = value === '' ? lines[i]! : `${value}\n${lines[i]}`;
    if (len(next) + len(more(lines.length - i - 1)) > max) {
      // Not even the first line fits whole: it is cut rather than left out.
      return value === '' ? cut(`${cut(lines[i]!, Math.max(1, max - len(more(lines.length - 1))))}${more(lines.length - 1)}`, max) : `${value}${more(lines.length - i)}`;
    }
    value = next;
  }
  return value;
}

/**
 * Discord's embed: one field per section (a field per line made 26 fields on a busy day, and Discord's 25 left the
 * alerts out), within its documented limits — field value 1,024, title 256, and 6,000 characters across the embed,
 * shared out so short sections keep all their lines and the long ones give up their tail (counted).
 */
function discordEmbed(s: ReportSummary, subject: string, parts: Section[]): RenderedReport['discord']['embeds'][number] {
  const title = cut(subject, DISCORD_LIMITS.title);
  const description = cut(periodText(s), DISCORD_LIMITS.description);
  const shown = parts.slice(0, DISCORD_LIMITS.fields);
  const names = shown.map((p) => cut(p.title, DISCORD_LIMITS.fieldName));
  let budget = DISCORD_LIMITS.total - len(title) - len(description) - names.reduce((n, x) => n + len(x), 0);
  const wanted = shown.map((p) => len(discordValue(p, Number.MAX_SAFE_INTEGER)));
  const allowed = new Array<number>(shown.length).fill(0);
  // Smallest first: each takes what it needs up to an equal share of what is left.
  const order = shown.map((_, i) => i).sort((a, b) => wanted[a]! - wanted[b]!);
  order.forEach((i, k) => {
    allowed[i] = Math.max(1, Math.min(wanted[i]!, DISCORD_LIMITS.fieldValue, Math.floor(budget / (order.length - k))));
    budget -= allowed[i]!;
  });
  const fields = shown.map((p, i) => ({ name: names[i]!, value: discordValue(p, allowed[i]!) || '-', inline: false }));
  return { title, description, color: 0x1c6fd1, fields, timestamp: s.period.end };
}

export function renderReport(s: ReportSummary): RenderedReport {
  const subject = `Pulse ${s.period.label} report — ${s.project}, ${periodDays(s)}: ${int.format(s.usage.events)} events, ${usd(s.cost.usd)}`;
  const parts = sections(s);
  const text = [
    subject, periodText(s), '',
    ...parts.flatMap((p) => [p.title, ...p.lines.map(([k, v]) => `  ${k}: ${v}`), '']),
  ].join('\n').trimEnd() + '\n';
  const html = [
    '<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#1a1f29">',
    `<h2>${escapeHtml(subject)}</h2>`,
    `<p style="color:#5a6475">${escapeHtml(periodText(s))}</p>`,
    ...parts.map((p) =>
      `<h3>${escapeHtml(p.title)}</h3><table cellpadding="4" style="border-collapse:collapse">${p.lines
        .map(([k, v]) => `<tr><td style="color:#5a6475">${escapeHtml(k)}</td><td>${escapeHtml(v)}</td></tr>`)
        .join('')}</table>`),
    '</body></html>',
  ].join('\n');
  // Slack reads `<…>` as mentions and links (`<!channel>` pings everyone): names from the events are escaped.
  const slackFields = parts.flatMap((p) => p.lines.map(([k, v]) => ({ title: slackEscape(`${p.title}: ${k}`), value: slackEscape(v), short: v.length < 40 })));
  return {
    subject,
    text,
    html,
    slack: { text: slackEscape(subject), attachments: [{ color: '#1c6fd1', title: slackEscape(periodText(s)), fields: slackFields }] },
    discord: { embeds: [discordEmbed(s, subject, parts)] },
    json: { type: 'pulse_report', report: s },
  };
}
