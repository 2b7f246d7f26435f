import type { MetricsData, MetricsUpdate } from '../../live/messages.js';
import { formatAge, formatClock, formatCost, formatInt, formatMs, formatPercent, formatRate, formatSentiment, NONE } from './format.js';
import { cut, fit, pad, padEnd, padStart, paint, type Line } from './text.js';
import { BANDS, errorRateLevel, LEVEL_WORD, levelOf, statusLevel, type Level } from './thresholds.js';

export type Connection =
  | { state: 'connecting' }
  | { state: 'connected' }
  | { state: 'disconnected'; retryAt: number; reason: string };

/** Everything the screen shows; the command keeps one and re-renders it. */
export interface TopView {
  url: string;
  project: string;
  connection: Connection;
  frame: MetricsUpdate | null;
  /** Local epoch-ms when `frame` arrived. */
  receivedAt: number | null;
  /** The server's frame interval (hello frame); frames older than max(5 s, 2 intervals) are stale. */
  intervalMs?: number;
}

export interface RenderOptions {
  columns: number;
  /** Infinity for plain (non-TTY) output. */
  rows: number;
  color: boolean;
  now: number;
  /** Cap on table rows even when the screen has room (plain output). */
  maxListRows?: number;
}

/** A frame older than this (by arrival) is marked STALE: the server sends one a second. */
export const STALE_AFTER_MS = 5_000;

const BLOCK_W = 38;
const GAP = 2;
/** From this width the two tables sit side by side. */
const WIDE = 100;

/** The whole screen for one state, as lines joined by `\n`; no line is wider than `columns`, no more than `rows` lines. */
export function render(view: TopView, opts: RenderOptions): string {
  const columns = Math.max(1, Math.floor(opts.columns));
  const lines: Line[] = [...header(view, opts), []];
  const f = view.frame;
  if (!f) {
    lines.push([{ text: view.connection.state === 'connected' ? 'waiting for the first metrics frame…' : 'no data yet', style: 'dim' }]);
  } else {
    lines.push(...flowBlocks([latencyBlock(f.data), trafficBlock(f.data), systemBlock(f.data)], columns), []);
    const left = opts.rows - lines.length;
    lines.push(...tables(f.data, columns, Math.min(left, Number.MAX_SAFE_INTEGER), opts.maxListRows ?? Infinity));
  }
  while (lines.length > 0 && lines[lines.length - 1]!.length === 0) lines.pop();
  const shown = Number.isFinite(opts.rows) ? lines.slice(0, Math.max(0, Math.floor(opts.rows))) : lines;
  return shown.map((l) => paint(fit(l, columns), opts.color)).join('\n');
}

function header(view: TopView, opts: RenderOptions): Line[] {
  const project = view.frame?.project ?? view.project;
  const top: Line = [{ text: 'pulse top', style: 'title' }, { text: ' · project ' }, { text: project, style: 'bold' }, { text: ` · ${view.url} · q quits` }];
  const status: Line = [];
  const c = view.connection;
  const age = view.receivedAt === null ? null : opts.now - view.receivedAt;
  const staleAfter = Math.max(STALE_AFTER_MS, 2 * (view.intervalMs ?? 0));
  const stale = age !== null && age > staleAfter;
  if (c.state === 'connecting') status.push({ text: 'connecting…', style: 'warn' });
  else if (c.state === 'disconnected') {
    const s = Math.max(0, Math.ceil((c.retryAt - opts.now) / 1000));
    status.push({ text: `disconnected — reconnecting in ${s}s`, style: 'crit' }, { text: ` (${c.reason})` });
  } else status.push(stale || age === null ? { text: '● connected' } : { text: '● live', style: 'ok' });
  if (age !== null) {
    status.push({ text: ` · last frame ${formatClock(view.receivedAt!)} (${formatAge(age)} ago)` });
    if (stale) status.push({ text: ' ' }, { text: 'STALE', style: 'warn' }, { text: ` — no data for over ${Math.round(staleAfter / 1000)} s` });
  }
  const skipped = view.frame?.skipped_frames ?? 0;
  if (skipped > 0) status.push({ text: ` · ${formatInt(skipped)} frames skipped (slow terminal link)` });
  return [top, status];
}

/** One `label value WORD` row; the value and its word share the level's colour. */
function kv(label: string, value: string, level: Level | null, word = true): Line {
  const v = padStart(value, 10);
  const line: Line = [{ text: '  ' + padEnd(label, 18) }];
  if (level === null) line.push({ text: v });
  else line.push({ text: word ? `${v} ${LEVEL_WORD[level]}` : v, style: level });
  return line;
}

const title = (text: string): Line => [{ text, style: 'title' }];

function latencyBlock(d: MetricsData): Line[] {
  return [
    title('Response time · LLM, 5 min'),
    kv('avg', formatMs(d.avg_response_time_ms), levelOf(d.avg_response_time_ms, BANDS.avgResponse)),
    kv('p50', formatMs(d.p50_response_time_ms), null),
    kv('p95', formatMs(d.p95_response_time_ms), levelOf(d.p95_response_time_ms, BANDS.p95Response)),
    kv('p99', formatMs(d.p99_response_time_ms), levelOf(d.p99_response_time_ms, BANDS.p99Response)),
    kv('TTFT avg', formatMs(d.avg_ttft_ms), levelOf(d.avg_ttft_ms, BANDS.ttft)),
    kv('TTFT p95', formatMs(d.p95_ttft_ms), levelOf(d.p95_ttft_ms, BANDS.ttft)),
  ];
}

function trafficBlock(d: MetricsData): Line[] {
  const rate24 = parsePercent(d.system?.error_rate_24h);
  return [
    title('Traffic · 5 min'),
    kv('active users 15m', formatInt(d.active_users), null),
    kv('messages/min', formatRate(d.messages_per_minute), null),
    kv('events/s', formatRate(d.events_per_second), null),
    kv('error rate', formatPercent(d.error_rate), errorRateLevel(d.error_rate)),
    kv('error rate 24h', d.system?.error_rate_24h ?? NONE, errorRateLevel(rate24)),
  ];
}

function systemBlock(d: MetricsData): Line[] {
  const s = d.system;
  return [
    title('System'),
    kv('uptime', s?.uptime ?? NONE, null),
    kv('status', s?.bot_status ?? NONE, s ? statusLevel(s.bot_status) : null, false),
    kv('active guilds', formatInt(s?.active_guilds), null),
    kv('messages today', formatInt(s?.total_messages_today), null),
  ];
}

/** "0.5%" → 0.005; anything else (`—`) → null. */
function parsePercent(s: string | undefined): number | null {
  const m = s ? /^(\d+(?:\.\d+)?)%$/.exec(s.trim()) : null;
  return m ? Number(m[1]) / 100 : null;
}

/** Fixed-width blocks, as many to a row as the width allows. */
function flowBlocks(blocks: Line[][], columns: number): Line[] {
  const perRow = Math.max(1, Math.floor((columns + GAP) / (BLOCK_W + GAP)));
  const out: Line[] = [];
  for (let i = 0; i < blocks.length; i += perRow) {
    const row = blocks.slice(i, i + perRow);
    const height = Math.max(...row.map((b) => b.length));
    if (i > 0) out.push([]);
    for (let r = 0; r < height; r++) {
      const line: Line = [];
      row.forEach((b, j) => {
        const cell = b[r] ?? [];
        if (j < row.length - 1) line.push(...pad(cell, BLOCK_W), { text: ' '.repeat(GAP) });
        else line.push(...cell);
      });
      out.push(line);
    }
  }
  return out;
}

function tables(d: MetricsData, columns: number, rows: number, cap: number): Line[] {
  const models = Object.entries(d.tokens_by_model ?? {}).sort(
    ([a, x], [b, y]) => y.input_tokens + y.output_tokens - (x.input_tokens + x.output_tokens) || a.localeCompare(b),
  );
  const personas = Object.entries(d.personas ?? {}).sort(([a, x], [b, y]) => y.messages - x.messages || a.localeCompare(b));
  const wide = columns >= WIDE;
  const w = wide ? Math.floor((columns - GAP) / 2) : columns;
  const modelRows = (n: number): Line[] =>
    table('Tokens by model · 5 min', tokenColumns(w), models.map(([m, t]) => [m, formatInt(t.input_tokens), formatInt(t.output_tokens), formatCost(t.cost_usd)]), 'no LLM calls in the window', n, cap);
  const personaRows = (n: number): Line[] =>
    table('Personas · 60 min', personaColumns(w), personas.map(([p, v]) => [p, formatInt(v.messages), formatSentiment(v.sentiment)]), 'no persona messages in the window', n, cap);
  if (wide) {
    const a = modelRows(rows);
    const b = personaRows(rows);
    return Array.from({ length: Math.max(a.length, b.length) }, (_, i) => [...pad(a[i] ?? [], w), { text: ' '.repeat(GAP) }, ...(b[i] ?? [])]);
  }
  // Stacked: each table gets what it needs, the tokens table at most half when both overflow.
  const need = (n: number): number => Math.min(n, cap) + 2;
  const budget = rows - 1; // the blank line between them
  const forModels = Math.max(Math.min(need(models.length), Math.ceil(budget / 2)), budget - need(personas.length));
  const top = modelRows(forModels);
  const bottom = personaRows(budget - top.length);
  return bottom.length ? [...top, [], ...bottom] : top;
}

interface Column {
  head: string;
  width: number;
  right: boolean;
}

function tokenColumns(w: number): Column[] {
  const nums = w - 2 >= 12 + 11 * 3 ? 3 : 2;
  const cols: Column[] = [{ head: 'model', width: Math.max(6, w - 2 - 11 * nums), right: false }, { head: 'input', width: 11, right: true }, { head: 'output', width: 11, right: true }];
  if (nums === 3) cols.push({ head: 'cost', width: 11, right: true });
  return cols;
}

function personaColumns(w: number): Column[] {
  return [{ head: 'persona', width: Math.max(6, w - 2 - 22), right: false }, { head: 'messages', width: 11, right: true }, { head: 'sentiment', width: 11, right: true }];
}

/** Title, header and rows within `max` lines; rows that do not fit are counted in a last `… N more` line. */
function table(name: string, cols: Column[], rows: string[][], empty: string, max: number, cap: number): Line[] {
  if (max < 1) return [];
  const cell = (c: Column, s: string): string => (c.right ? padStart(s, c.width) : padEnd(cut(s, c.width - 1), c.width));
  const head: Line = [{ text: '  ' + cols.map((c) => cell(c, c.head)).join(''), style: 'dim' }];
  if (rows.length === 0) return ([title(name), [{ text: `  ${empty}`, style: 'dim' }]] as Line[]).slice(0, max);
  const room = Math.min(max - 2, cap);
  if (room < 1) return [[...title(name), { text: ` (${rows.length} ${rows.length === 1 ? 'row' : 'rows'}; enlarge the terminal)`, style: 'dim' }]];
  const fits = rows.length <= room;
  const shown = fits ? rows : rows.slice(0, room - 1);
  const body: Line[] = shown.map((r) => [{ text: '  ' + cols.map((c, i) => cell(c, r[i] ?? NONE)).join('') }]);
  if (!fits) body.push([{ text: `  … ${rows.length - shown.length} more`, style: 'dim' }]);
  return [title(name), head, ...body];
}
