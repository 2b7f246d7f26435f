import { describe, expect, it } from 'vitest';
import type { MetricsData, MetricsUpdate } from '../../live/messages.js';
import { render, STALE_AFTER_MS, type TopView } from './render.js';
import { width } from './text.js';
import { BANDS, levelOf } from './thresholds.js';

const NOW = Date.UTC(2025, 11, 12, 10, 30, 0);
const strip = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, '');

function data(over: Partial<MetricsData> = {}): MetricsData {
  return {
    active_users: 45,
    messages_per_minute: 12.5,
    avg_response_time_ms: 1850,
    error_rate: 0.02,
    personas: { dagoth_ur: { messages: 23, sentiment: 0.3 }, scav: { messages: 17, sentiment: -0.1 } },
    system: {
      uptime: '2 days, 5:32:10', uptime_seconds: 192_730, bot_status: 'healthy', active_guilds: 3, active_users: 45,
      total_messages_today: 1234, current_response_time: '1.9s', error_rate_24h: '0.5%',
    },
    p50_response_time_ms: 1600,
    p95_response_time_ms: 2800,
    p99_response_time_ms: 4500,
    avg_ttft_ms: 420,
    p95_ttft_ms: 900,
    events_per_second: 3.2,
    events_recent: 960,
    tokens_by_model: { 'llama3.2': { input_tokens: 12_000, output_tokens: 7_000, cost_usd: 0 }, 'claude-3-sonnet': { input_tokens: 3420, output_tokens: 1930, cost_usd: 0.12 } },
    last_event_at: null,
    events_seen: 1000,
    ...over,
  };
}

function view(d: MetricsData = data(), over: Partial<TopView> = {}): TopView {
  const frame: MetricsUpdate = { type: 'metrics_update', timestamp: new Date(NOW).toISOString(), project: 'bot', filters: {}, skipped_frames: 0, data: d };
  return { url: 'http://127.0.0.1:8000', project: 'bot', connection: { state: 'connected' }, frame, receivedAt: NOW - 500, ...over };
}

const screen = (v: TopView, columns = 120, rows = 40, color = false): string[] => render(v, { columns, rows, color, now: NOW }).split('\n');
/** The row of a labelled value, from the first block that has it. */
const row = (lines: string[], label: string): string => {
  const re = new RegExp(`(^|\\s{2})${label.replace(/[/]/g, '\\/')}\\s{2,}`);
  const hit = lines.map(strip).find((l) => re.test(l));
  if (!hit) throw new Error(`no row ${label} in\n${lines.join('\n')}`);
  return hit.slice(hit.search(re)).trim();
};
/** The value and word right of a label, up to the next block. */
const cell = (lines: string[], label: string): string => row(lines, label).slice(label.length).trim().split(/\s{3,}/)[0]!;

describe('thresholds (seed 001 key indicators)', () => {
  // Seed: "<2s | 2-5s | >5s": both bounds themselves are WARN.
  const edges: [keyof typeof BANDS, number, number][] = [
    ['avgResponse', 2000, 5000],
    ['p95Response', 3000, 8000],
    ['p99Response', 5000, 15000],
    ['ttft', 1000, 3000],
  ];
  it.each(edges)('%s: below %i OK, %i…%i WARN, above CRIT', (band, lo, hi) => {
    expect(levelOf(lo - 0.5, BANDS[band])).toBe('ok');
    expect(levelOf(lo, BANDS[band])).toBe('warn');
    expect(levelOf(hi, BANDS[band])).toBe('warn');
    expect(levelOf(hi + 0.5, BANDS[band])).toBe('crit');
    expect(levelOf(null, BANDS[band])).toBeNull();
  });
});

describe('render', () => {
  it.each([
    ['avg', 'avg_response_time_ms', 2000, 5000],
    ['p95', 'p95_response_time_ms', 3000, 8000],
    ['p99', 'p99_response_time_ms', 5000, 15000],
    ['TTFT avg', 'avg_ttft_ms', 1000, 3000],
    ['TTFT p95', 'p95_ttft_ms', 1000, 3000],
  ] as const)('%s is marked OK / WARN / CRIT at the edges of its band, in words, without colour', (label, field, lo, hi) => {
    const word = (v: number): string => cell(screen(view(data({ [field]: v }))), label).split(/\s+/).pop()!;
    expect(word(lo - 1)).toBe('OK');
    expect(word(lo)).toBe('WARN');
    expect(word(hi)).toBe('WARN');
    expect(word(hi + 1)).toBe('CRIT');
  });

  it('shows the values of the frame', () => {
    const s = screen(view());
    expect(cell(s, 'avg')).toBe('1.85 s OK');
    expect(cell(s, 'p50')).toBe('1.60 s');
    expect(cell(s, 'p95')).toBe('2.80 s OK');
    expect(cell(s, 'p99')).toBe('4.50 s OK');
    expect(cell(s, 'TTFT avg')).toBe('420 ms OK');
    expect(cell(s, 'active users 15m')).toBe('45');
    expect(cell(s, 'messages/min')).toBe('12.5');
    expect(cell(s, 'events/s')).toBe('3.20');
    expect(cell(s, 'error rate')).toBe('2.00% OK');
    expect(cell(s, 'error rate 24h')).toBe('0.5% OK');
    expect(cell(s, 'uptime')).toBe('2 days, 5:32:10');
    expect(cell(s, 'status')).toBe('healthy');
    expect(cell(s, 'active guilds')).toBe('3');
    expect(cell(s, 'messages today')).toBe('1,234');
    expect(s[0]).toContain('project bot');
  });

  it('error rate and status carry words: 5 % is WARN (server: degraded), 25 % CRIT (unhealthy)', () => {
    const at = (r: number, status: 'healthy' | 'degraded' | 'unhealthy'): string[] =>
      screen(view(data({ error_rate: r, system: { ...data().system, bot_status: status } })));
    expect(cell(at(0.0499, 'healthy'), 'error rate')).toBe('4.99% OK');
    expect(cell(at(0.04999, 'healthy'), 'error rate')).toBe('4.99% OK'); // cut, not rounded up to a WARN-looking 5.00%
    expect(cell(at(0.05, 'degraded'), 'error rate')).toBe('5.00% WARN');
    expect(cell(at(0.25, 'unhealthy'), 'error rate')).toBe('25.0% CRIT');
    expect(cell(at(0.25, 'unhealthy'), 'status')).toBe('unhealthy');
  });

  it('null values show as —, never 0, and carry no verdict', () => {
    const empty = data({
      avg_response_time_ms: null, p50_response_time_ms: null, p95_response_time_ms: null, p99_response_time_ms: null,
      avg_ttft_ms: null, p95_ttft_ms: null, error_rate: null, personas: { quiet: { messages: 2, sentiment: null } },
      tokens_by_model: {}, system: { ...data().system, error_rate_24h: '—' },
    });
    const s = screen(view(empty));
    for (const label of ['avg', 'p50', 'p95', 'p99', 'TTFT avg', 'TTFT p95', 'error rate', 'error rate 24h']) expect(cell(s, label)).toBe('—');
    expect(row(s, 'quiet')).toMatch(/^quiet\s+2\s+—$/);
    expect(s.join('\n')).not.toMatch(/\b0 ms\b|\b0\.00 s\b|\b0%/);
    expect(s.join('\n')).toContain('no LLM calls in the window');
  });

  it('colour: green / yellow / red around the value and its word; none when off, and the words stay', () => {
    const d = data({ avg_response_time_ms: 1000, p95_response_time_ms: 5000, p99_response_time_ms: 20_000 });
    const c = screen(view(d), 120, 40, true).join('\n');
    expect(c).toContain('\x1b[32m    1.00 s OK\x1b[0m');
    expect(c).toContain('\x1b[33m    5.00 s WARN\x1b[0m');
    expect(c).toContain('\x1b[1;31m    20.0 s CRIT\x1b[0m');
    const plain = screen(view(d), 120, 40, false).join('\n');
    expect(plain).not.toContain('\x1b');
    expect(plain).toMatch(/1\.00 s OK/);
    expect(plain).toMatch(/5\.00 s WARN/);
    expect(plain).toMatch(/20\.0 s CRIT/);
  });

  it.each([40, 120])('fits %i columns: no line wider, key values and their words still on screen', (columns) => {
    const long = data({
      personas: Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`persona-with-a-rather-long-name-${i}`, { messages: 100 - i, sentiment: 0.1 }])),
      tokens_by_model: { 'anthropic/claude-3-5-sonnet-20241022-with-a-suffix': { input_tokens: 123_456_789, output_tokens: 98_765_432, cost_usd: 1234.5 } },
    });
    for (const color of [false, true]) {
      const s = screen(view(long), columns, 60, color);
      for (const l of s) expect(width(strip(l))).toBeLessThanOrEqual(columns);
      expect(cell(s, 'avg')).toBe('1.85 s OK');
      expect(cell(s, 'p99')).toBe('4.50 s OK');
      expect(s.map(strip).some((l) => l.includes('123,456,789'))).toBe(true);
      expect(s.map(strip).some((l) => /persona-with-a.*…/.test(l) || l.includes('persona-with-a-rather-long-name-0'))).toBe(true);
    }
    // 120 columns: the three blocks side by side; 40: stacked.
    const sideBySide = screen(view(long), columns, 60).some((l) => l.includes('Response time') && l.includes('Traffic') && l.includes('System'));
    expect(sideBySide).toBe(columns === 120);
  });

  it('names from events cannot reach the terminal as control sequences', () => {
    const evil = data({ personas: { 'x\x1b[2J\x1b]0;pwned\x07': { messages: 1, sentiment: 0 } }, tokens_by_model: { 'm\x9b31m': { input_tokens: 1, output_tokens: 1, cost_usd: 0 } } });
    for (const color of [false, true]) {
      const out = render(view(evil), { columns: 120, rows: 40, color, now: NOW });
      for (const line of out.split('\n')) expect(line.replace(/\x1b\[[0-9;]*m/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/u);
    }
    expect(screen(view(evil)).join('\n')).toContain('x?[2J?]0;pwned?');
  });

  it('wide characters (CJK, emoji) count two columns: lines still fit and columns still line up', () => {
    const wide = data({ personas: { '猫の王様🐱': { messages: 9, sentiment: 0.5 }, 'plain': { messages: 8, sentiment: 0.5 }, '長い名前長い名前長い名前長い名前長い名前': { messages: 7, sentiment: 0.1 } } });
    for (const columns of [40, 120]) {
      const s = screen(view(wide), columns, 60);
      for (const l of s) expect(width(l)).toBeLessThanOrEqual(columns);
      const a = s.find((l) => l.includes('猫の王様🐱'))!;
      const b = s.find((l) => /  plain\s/.test(l))!;
      expect(width(a.slice(0, a.indexOf('+0.50') + 5))).toBe(width(b.slice(0, b.indexOf('+0.50') + 5)));
      expect(s.some((l) => l.includes('長い名前') && l.includes('…'))).toBe(true);
    }
  });

  it('fits the rows: tables sorted, cut with "… N more", never more lines than rows', () => {
    const many = data({ personas: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`u${String(i).padStart(2, '0')}`, { messages: i, sentiment: 0 }])) });
    for (const rows of [40, 32, 28]) {
      const s = screen(view(many), 80, rows);
      expect(s.length).toBeLessThanOrEqual(rows);
      const shown = s.map((l) => /^ {2}(u\d\d)\s/.exec(l)?.[1]).filter(Boolean);
      expect(shown[0]).toBe('u29'); // most messages first
      expect(shown).toEqual([...shown].sort().reverse());
      const more = s.map((l) => /… (\d+) more/.exec(l)?.[1]).find(Boolean);
      expect(Number(more) + shown.length).toBe(30);
    }
    const tiny = screen(view(many), 40, 10);
    expect(tiny.length).toBe(10);
    expect(cell(tiny, 'avg')).toBe('1.85 s OK');
  });

  it('a table with no room says how many rows it holds, in the singular for one', () => {
    const find = (d: MetricsData): string | undefined => {
      for (let rows = 8; rows <= 40; rows++) {
        const hit = screen(view(d), 60, rows).find((l) => l.startsWith('Personas') && l.includes('; enlarge'));
        if (hit !== undefined) return hit;
      }
      return undefined;
    };
    expect(find(data({ personas: { zoe: { messages: 3, sentiment: 0 } } }))).toMatch(/\(1 row; enlarge/);
    expect(find(data())).toMatch(/\(2 rows; enlarge/);
  });

  it('connection state, time of the last frame and staleness', () => {
    const fresh = screen(view(data(), { receivedAt: NOW - STALE_AFTER_MS }));
    expect(fresh[1]).toMatch(/● live · last frame \d\d:\d\d:\d\d \(5 s ago\)$/);
    const stale = screen(view(data(), { receivedAt: NOW - STALE_AFTER_MS - 1 }));
    expect(stale[1]).toContain('STALE');
    const down = screen(view(data(), { connection: { state: 'disconnected', retryAt: NOW + 2100, reason: 'connection refused' }, receivedAt: NOW - 8000 }));
    expect(down[1]).toMatch(/^disconnected — reconnecting in 3s \(connection refused\) · last frame .* STALE/);
    const waiting = screen({ ...view(), frame: null, receivedAt: null, connection: { state: 'connecting' } });
    expect(waiting[1]).toBe('connecting…');
    expect(waiting.join('\n')).toContain('no data yet');
  });
});
