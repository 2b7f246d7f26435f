import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startTestPulse } from '../../test-support/pulse.js';
import { formatInt, formatMs, formatPercent } from './format.js';
import { hasTmux, TmuxPane } from './test-support/tmux.js';
import { BANDS, errorRateLevel, LEVEL_WORD, levelOf, type Band } from './thresholds.js';

/**
 * `pulse top` end to end: a real server in this process, events through POST /v1/events, and the built
 * CLI (`node packages/server/dist/cli/main.js top`) in a real terminal (tmux), read off the screen.
 */
const repo = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../../..');
const cli = join(repo, 'packages/server/dist/cli/main.js');
const ADMIN = 'top-e2e-admin-key';
const PROJECT = 'top-e2e';
const tmux = hasTmux();
if (!tmux) console.warn('pulse top end-to-end tests skipped: tmux is not installed (Debian: apt-get install tmux)');

type Pulse = Awaited<ReturnType<typeof startTestPulse>>;
interface Ev {
  type: string;
  user_id: string;
  duration_ms?: number;
  ttft_ms?: number;
  status?: 'ok' | 'error';
  model?: string;
  input_tokens?: number;
  output_tokens?: number;
  persona?: string;
  sentiment?: number;
  guild?: string;
}

/** 100 LLM calls spread 500…5450 ms (every 10th an error) and 20 persona messages. */
function firstBatch(): Ev[] {
  const llm = Array.from({ length: 100 }, (_, i): Ev => ({
    type: 'llm', user_id: `u${i % 30}`, duration_ms: 500 + 50 * i, ttft_ms: 200 + 10 * i, status: i % 10 === 0 ? 'error' : 'ok',
    model: i % 4 === 0 ? 'claude-3-5-haiku' : 'gpt-4o-mini', input_tokens: 100 + i, output_tokens: 10 + i,
  }));
  const msgs = Array.from({ length: 20 }, (_, i): Ev => ({
    type: 'message', user_id: `u${i}`, persona: i < 12 ? 'scav' : 'toad', sentiment: i < 12 ? 0.5 : -0.25, guild: `g${i % 3}`,
  }));
  return [...llm, ...msgs];
}

/** What the screen must say about everything sent so far, computed from the events. */
function expected(all: Ev[]) {
  const llm = all.filter((e) => e.type === 'llm');
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const avg = mean(llm.map((e) => e.duration_ms!));
  const ttft = mean(llm.map((e) => e.ttft_ms!));
  // The frame carries error_rate to 4 decimals (live/metrics-frame.ts); the view cuts it to 2 of a percent.
  const rate = Math.round((all.filter((e) => e.status === 'error').length / all.length) * 1e4) / 1e4;
  const judged = (v: number, band: Band): string => `${formatMs(v)} ${LEVEL_WORD[levelOf(v, band)!]}`;
  const tokens = (model: string): [string, string] => {
    const m = llm.filter((e) => e.model === model);
    return [formatInt(m.reduce((a, e) => a + e.input_tokens!, 0)), formatInt(m.reduce((a, e) => a + e.output_tokens!, 0))];
  };
  const messages = all.filter((e) => e.type === 'message');
  return {
    avg: judged(avg, BANDS.avgResponse),
    ttft: judged(ttft, BANDS.ttft),
    errorRate: `${formatPercent(rate)} ${LEVEL_WORD[errorRateLevel(rate)!]}`,
    users: formatInt(new Set(all.map((e) => e.user_id)).size),
    guilds: formatInt(new Set(messages.map((e) => e.guild)).size),
    messagesToday: formatInt(messages.length),
    messages: messages.length,
    events: all.length,
    durations: llm.map((e) => e.duration_ms!).sort((a, b) => a - b),
    tokens,
    persona: (p: string): [string, number] => [formatInt(messages.filter((e) => e.persona === p).length), mean(messages.filter((e) => e.persona === p).map((e) => e.sentiment!))],
  };
}

/** The text right of a label on the screen, up to the next column (3+ spaces). */
function value(screen: string, label: string): string {
  const re = new RegExp(`(?:^|\\s{2})${label.replace(/[/]/g, '\\/')}\\s{2,}(\\S(?:.*?\\S)??)(?=\\s{3,}|\\s*$)`, 'm');
  const m = re.exec(screen);
  if (!m) throw new Error(`no "${label}" on screen:\n${screen}`);
  return m[1]!;
}
const seconds = (s: string): number => (s.endsWith(' ms') ? parseFloat(s) / 1000 : parseFloat(s));

async function send(p: Pulse, events: Ev[]): Promise<void> {
  const r = await postJson(`${p.url}/v1/events?project=${PROJECT}`, { events }, { authorization: `Bearer ${ADMIN}` });
  expect(r.status, JSON.stringify(r.json)).toBe(200);
}

describe.skipIf(!tmux)('pulse top, built CLI in tmux, against a real server', () => {
  let pulse: Pulse;
  let work: string;
  const panes: TmuxPane[] = [];
  beforeAll(async () => {
    if (!existsSync(cli)) execFileSync('npx', ['tsc', '--build'], { cwd: repo, stdio: 'inherit' });
    work = mkdtempSync(join(tmpdir(), 'pulse-top-e2e-'));
    pulse = await startTestPulse({ apiKey: ADMIN });
  });
  afterEach(() => panes.splice(0).forEach((p) => p.kill()));
  afterAll(async () => {
    await pulse?.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** `pulse top …` in a fresh 120×40 pane, in a shell that records the tty settings around it and the exit code. */
  function top(args: string, env: Record<string, string> = {}, size = { columns: 120, rows: 40 }): { pane: TmuxPane; restored(): Promise<number> } {
    const tag = `${panes.length}-${Date.now()}`;
    const before = join(work, `stty-before-${tag}`);
    const after = join(work, `stty-after-${tag}`);
    const cmd = `echo SHELL-BEFORE-TOP; stty -g > ${before}; node ${cli} top ${args}; echo "EXIT=$?"; stty -g > ${after}; exec sleep 600`;
    const pane = new TmuxPane(cmd, { ...size, cwd: work, env: { PULSE_API_KEY: '', ANALYTICS_API_KEY: '', PULSE_URL: '', NO_COLOR: '', ...env } });
    panes.push(pane);
    return {
      pane,
      /** Waits for the CLI to end; checks the terminal is as it was before; returns the exit code. */
      async restored() {
        const screen = await pane.waitFor((s) => /EXIT=\d+/.test(s), 'pulse top to exit');
        await pane.waitFor(() => existsSync(after) && readFileSync(after, 'utf8').trim() !== '', 'stty after');
        expect(readFileSync(after, 'utf8')).toBe(readFileSync(before, 'utf8')); // raw mode undone
        expect(pane.flags()).toEqual({ alternate: false, cursor: true }); // main screen back, cursor shown
        expect(screen).toContain('SHELL-BEFORE-TOP'); // the shell's own screen, not the view's
        expect(screen).not.toContain('Response time');
        return Number(/EXIT=(\d+)/.exec(screen)![1]);
      },
    };
  }

  it('shows what the events imply, updates when more arrive, and q exits 0 with the terminal restored', async () => {
    const sent = firstBatch();
    await send(pulse, sent);
    const { pane, restored } = top(`--url ${pulse.url} --key ${ADMIN} --project ${PROJECT}`);
    let want = expected(sent);
    let s = await pane.waitFor((x) => x.includes('● live') && /active users 15m\s+\d/.test(x) && value(x, 'active users 15m') === want.users, 'the first frame with the batch');
    expect(pane.flags().alternate).toBe(true);
    expect(s).toContain(`project ${PROJECT}`);
    expect(s).toMatch(/last frame \d\d:\d\d:\d\d \(\d+ s ago\)/);
    expect(s).not.toContain('STALE');
    expect(value(s, 'avg')).toBe(want.avg);
    expect(value(s, 'TTFT avg')).toBe(want.ttft);
    expect(value(s, 'error rate')).toBe(want.errorRate);
    expect(value(s, 'active guilds')).toBe(want.guilds);
    expect(value(s, 'messages today')).toBe(want.messagesToday);
    expect(value(s, 'status')).toBe('degraded'); // 10 errors in 120 events: over the 5 % bound
    // Percentiles: DDSketch with 1 % relative accuracy around the exact rank, then cut to the display's precision.
    for (const [label, q] of [['p50', 0.5], ['p95', 0.95], ['p99', 0.99]] as const) {
      const d = want.durations;
      const lo = d[Math.floor(q * (d.length - 1))]! / 1000;
      const hi = d[Math.ceil(q * (d.length - 1))]! / 1000;
      expect(seconds(value(s, label).replace(/ (OK|WARN|CRIT)$/, ''))).toBeGreaterThanOrEqual(lo * 0.99 - 0.01);
      expect(seconds(value(s, label).replace(/ (OK|WARN|CRIT)$/, ''))).toBeLessThanOrEqual(hi * 1.01);
    }
    expect(value(s, 'p95')).toMatch(/ WARN$/); // ~5.2 s: seed 001's 3–8 s band
    // Rates divide by the time the 5-minute window really covers: between 4 and 5 minutes.
    const perMin = Number(value(s, 'messages/min'));
    expect(perMin).toBeGreaterThanOrEqual(want.messages / 5 - 0.01);
    expect(perMin).toBeLessThanOrEqual(want.messages / 4 + 0.01);
    const perSec = Number(value(s, 'events/s'));
    expect(perSec).toBeGreaterThanOrEqual(want.events / 300 - 0.01);
    expect(perSec).toBeLessThanOrEqual(want.events / 240 + 0.01);
    for (const model of ['gpt-4o-mini', 'claude-3-5-haiku']) {
      const [input, output] = want.tokens(model);
      expect(s).toMatch(new RegExp(`  ${model.replace(/[.]/g, '\\.')}\\s+${input}\\s+${output}\\s+\\$\\d`));
    }
    for (const p of ['scav', 'toad']) {
      const [n, sentiment] = want.persona(p);
      expect(s).toMatch(new RegExp(`  ${p}\\s+${n}\\s+${sentiment >= 0 ? '\\+' : '-'}${Math.abs(sentiment).toFixed(2)}\\b`));
    }
    expect(s.indexOf('  scav ')).toBeLessThan(s.indexOf('  toad ')); // more messages first
    // Colour on a terminal: the WARN value yellow, OK values green.
    const coloured = pane.capture(true);
    expect(coloured).toMatch(/\x1b\[33m[^\x1b]*WARN/);
    expect(coloured).toMatch(/\x1b\[32m[^\x1b]*OK/);

    // More (slower) calls: the view follows.
    const more = Array.from({ length: 100 }, (_, i): Ev => ({ type: 'llm', user_id: `late${i % 5}`, duration_ms: 12_000, ttft_ms: 2500, model: 'gpt-4o-mini', input_tokens: 1, output_tokens: 1 }));
    await send(pulse, more);
    want = expected([...sent, ...more]);
    s = await pane.waitFor((x) => value(x, 'avg') === want.avg, `avg to become ${want.avg}`);
    expect(want.avg).toMatch(/CRIT$/);
    expect(value(s, 'TTFT avg')).toBe(want.ttft);
    expect(value(s, 'active users 15m')).toBe(want.users);
    expect(value(s, 'error rate')).toBe(want.errorRate);

    pane.keys('q');
    expect(await restored()).toBe(0);
  });

  it('Ctrl-C exits 0 and restores the terminal; NO_COLOR keeps the words and drops the colours', async () => {
    const { pane, restored } = top(`--url ${pulse.url} --key ${ADMIN} --project ${PROJECT}`, { NO_COLOR: '1' });
    const s = await pane.waitFor((x) => x.includes('● live') && /\b(OK|WARN|CRIT)\b/.test(x), 'a frame');
    expect(s).toMatch(/avg\s+\S+ s (OK|WARN|CRIT)/);
    expect(pane.capture(true)).not.toMatch(/\x1b\[3[123]m/);
    pane.keys('C-c');
    expect(await restored()).toBe(0);
  });

  it('a wrong key exits non-zero with a clear message, terminal restored', async () => {
    const { pane, restored } = top(`--url ${pulse.url} --key not-a-key --project ${PROJECT}`);
    expect(await restored()).toBe(1);
    expect(pane.capture()).toMatch(/pulse top: the server refused the API key \(401 unauthorized\)/);
  });

  it('a --url that is not a URL: the reason stays on the restored screen (not lost with the alternate one), exit 1', async () => {
    const { pane, restored } = top('--url not-a-url');
    expect(await restored()).toBe(1);
    expect(pane.capture()).toContain('pulse top: --url: expected http(s):// or ws(s)://, got not-a-url');
  });

  it('says when the server went away, retries with a countdown, and comes back live when it returns (--no-color)', async () => {
    let other = await startTestPulse({ apiKey: ADMIN });
    const port = new URL(other.url).port;
    try {
      const { pane, restored } = top(`--url ${other.url} --key ${ADMIN} --no-color`);
      await pane.waitFor((x) => x.includes('● live'), 'live');
      expect(pane.capture(true)).not.toMatch(/\x1b\[3[123]m/); // --no-color
      await other.dispose();
      const down = await pane.waitFor((x) => /disconnected — reconnecting in \d+s/.test(x), 'the disconnected line');
      expect(down).toMatch(/last frame \d\d:\d\d:\d\d/);
      await pane.waitFor((x) => x.includes('STALE'), 'the old data marked stale', 10_000);
      other = await startTestPulse({ apiKey: ADMIN, port: Number(port) });
      await pane.waitFor((x) => x.includes('● live') && !x.includes('STALE'), 'live again', 30_000);
      pane.keys('q');
      expect(await restored()).toBe(0);
    } finally {
      await other.dispose();
    }
  });

  it('without a terminal: plain frames one after another, no escape codes; SIGINT exits 0', async () => {
    const child = spawn(process.execPath, [cli, 'top', '--url', pulse.url, '--key', ADMIN, '--project', PROJECT], {
      cwd: work, env: { ...process.env, PULSE_API_KEY: '', ANALYTICS_API_KEY: '', NO_COLOR: '' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 15_000;
    while ((out.match(/^pulse top · project/gm) ?? []).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const code = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    child.kill('SIGINT');
    expect(await code).toBe(0);
    expect((out.match(/^pulse top · project/gm) ?? []).length).toBeGreaterThanOrEqual(2);
    expect(out).not.toContain('\x1b');
    expect(out).toMatch(/avg\s+\S+ s (OK|WARN|CRIT)/);
    expect(out).toMatch(/  scav\s+\d+/);
  });

  it('piped into a reader that stops (`pulse top | head`): ends quietly with code 0, no stack trace', async () => {
    const child = spawn(process.execPath, [cli, 'top', '--url', pulse.url, '--key', ADMIN, '--project', PROJECT], {
      cwd: work, env: { ...process.env, PULSE_API_KEY: '', ANALYTICS_API_KEY: '', NO_COLOR: '' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    // Like `head -1`: read the first chunk, then close the pipe; the next frame's write meets EPIPE.
    await new Promise((r) => child.stdout.once('data', r));
    child.stdout.destroy();
    const timeout = setTimeout(() => child.kill('SIGKILL'), 15_000);
    try {
      expect(await code).toBe(0);
    } finally {
      clearTimeout(timeout);
    }
    expect(err).not.toMatch(/EPIPE|Unhandled|at /);
  });
});
