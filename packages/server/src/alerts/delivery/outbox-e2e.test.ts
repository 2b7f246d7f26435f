/**
 * At-least-once notifications across restarts, with real servers and real HTTP receivers: a resolution whose channel
 * is down when the server shuts down, or whose channel has not answered when the process is killed (SIGKILL), is sent
 * after the restart — to that channel only; what a channel accepted (or refused for good, a 4xx) is not sent again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openEmbeddedStores } from '../../store/duckdb/index.js';
import { freePort, getJson, postJson, startTestPulse } from '../../test-support/pulse.js';
import type { AlertJson } from '../types.js';
import { httpReceiver, type HttpReceiver, type Received } from '../channels/test-support/receiver.js';

const repo = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../../..');
const dirs: string[] = [];
let receivers: HttpReceiver[] = [];
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all(receivers.map((r) => r.close()));
  receivers = [];
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function receiver(): Promise<HttpReceiver> {
  const r = await httpReceiver();
  receivers.push(r);
  return r;
}

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'pulse-outbox-'));
  dirs.push(d);
  return d;
}

/** A config file with one rule notifying the given json channels. */
function configFile(dir: string, channels: Record<string, string>): string {
  const path = join(dir, 'pulse.yaml');
  writeFileSync(path, `
alerts:
  - name: High error rate
    condition: error_rate > 0.1
    severity: critical
    window: 5m
    group_interval: 1s
    notify: [${Object.keys(channels).join(', ')}]
channels:
${Object.entries(channels).map(([name, url]) => `  ${name}: { type: json, url: "${url}" }`).join('\n')}
`);
  return path;
}

const events = (n: number, status: 'ok' | 'error') =>
  Array.from({ length: n }, () => ({ type: 'llm', model: 'gpt-4o-mini', duration_ms: 900, status, ...(status === 'error' ? { error_type: 'timeout' } : {}) }));

const stateOf = (r: Received): string => (r.body as AlertJson).state;
const states = (r: HttpReceiver): string[] => r.received.map(stateOf);

async function outboxLeft(dataDir: string): Promise<number> {
  const stores = await openEmbeddedStores({ dataDir });
  try {
    await stores.alerts.init();
    return (await stores.alerts.listOutbox()).length;
  } finally {
    await stores.close();
  }
}

describe('notifications survive restarts (the outbox)', () => {
  it('a resolution whose channel is down at shutdown is sent after the restart, to that channel only', async () => {
    const up = await receiver();
    const flaky = await receiver();
    const rejecting = await receiver();
    const dir = tempDir();
    const dataDir = join(dir, 'data');
    const env = {
      LOG_LEVEL: 'silent', PULSE_ALERT_INTERVAL: '0.2',
      PULSE_CONFIG: configFile(dir, { up: `${up.url}/up`, flaky: `${flaky.url}/flaky`, rejecting: `${rejecting.url}/rejecting` }),
    };
    let pulse = await startTestPulse({ env, dataDir });
    try {
      expect((await postJson(`${pulse.url}/v1/events`, { events: [...events(4, 'error'), ...events(4, 'ok')] })).status).toBe(200);
      await Promise.all([up.waitFor(1, 20_000), flaky.waitFor(1, 20_000), rejecting.waitFor(1, 20_000)]);
      // The resolution: `flaky` is down (retried), `rejecting` refuses it for good (a 4xx is not retried).
      flaky.respond((_r, res) => { res.writeHead(503).end('down'); });
      rejecting.respond((_r, res) => { res.writeHead(422).end('no'); });
      expect((await postJson(`${pulse.url}/v1/events`, { events: events(92, 'ok') })).status).toBe(200);
      await Promise.all([up.waitFor(2, 20_000), flaky.waitFor(2, 20_000), rejecting.waitFor(2, 20_000)]);
    } finally {
      await pulse.close();
    }
    // Shutdown cut the retries of `flaky` short (one or two attempts, each answered 503): the resolution is still to
    // be sent there.
    const tried = flaky.received.length;
    expect(states(flaky)).toEqual(['firing', ...Array(tried - 1).fill('resolved')]);
    expect(await outboxLeft(dataDir)).toBe(1);

    flaky.respond((_r, res) => { res.writeHead(200).end('ok'); });
    pulse = await startTestPulse({ env, dataDir });
    try {
      await flaky.waitFor(tried + 1, 20_000);
      expect(stateOf(flaky.received[tried]!)).toBe('resolved');
      await expect.poll(async () => (await getJson(`${pulse.url}/v1/alert-deliveries?channel=flaky&outcome=success`)).json.deliveries
        .map((d: { status: string }) => d.status)).toEqual(['resolved', 'firing']);
      // Give a wrong re-send time to arrive: none does.
      await new Promise((r) => setTimeout(r, 1_500));
      expect(states(up)).toEqual(['firing', 'resolved']);
      expect(states(rejecting)).toEqual(['firing', 'resolved']);
      expect(flaky.received).toHaveLength(tried + 1);
    } finally {
      await pulse.close();
    }
    expect(await outboxLeft(dataDir)).toBe(0);
  }, 90_000);

  it('a resolution whose channel had not answered when the process was killed is sent after the restart; what was delivered is not', async () => {
    const hook = await receiver();
    const dir = tempDir();
    const dataDir = join(dir, 'data');
    const port = await freePort();
    const config = configFile(dir, { hook: `${hook.url}/hook` });
    const start = async (): Promise<ChildProcess> => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/cli/main.ts', 'serve'], {
        cwd: repo,
        env: { ...process.env, PULSE_DATA_DIR: dataDir, ANALYTICS_PORT: String(port), ANALYTICS_HOST: '127.0.0.1', LOG_LEVEL: 'warn', ANALYTICS_API_KEY: '', PULSE_CONFIG: config, PULSE_ALERT_INTERVAL: '0.2' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      children.push(child);
      let err = '';
      child.stderr!.on('data', (d) => (err += String(d)));
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        if (child.exitCode !== null) throw new Error(`server exited: ${err}`);
        try {
          if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return child;
        } catch { /* not up yet */ }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`server did not start: ${err}`);
    };
    const url = `http://127.0.0.1:${port}`;
    let child = await start();
    expect((await postJson(`${url}/v1/events`, { events: [...events(4, 'error'), ...events(4, 'ok')] })).status).toBe(200);
    await hook.waitFor(1, 20_000);
    // The receiver takes the resolution but never answers: the process is killed while it waits.
    hook.respond(() => new Promise<void>(() => undefined));
    expect((await postJson(`${url}/v1/events`, { events: events(92, 'ok') })).status).toBe(200);
    await hook.waitFor(2, 20_000);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(states(hook)).toEqual(['firing', 'resolved']);

    hook.respond((_r, res) => { res.writeHead(200).end('ok'); });
    child = await start();
    try {
      await hook.waitFor(3, 20_000);
      await new Promise((r) => setTimeout(r, 1_500));
      // The resolution again (the receiver had not accepted it); the firing it had accepted is not sent again.
      expect(states(hook)).toEqual(['firing', 'resolved', 'resolved']);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    expect(child.exitCode).toBe(0);
    expect(await outboxLeft(dataDir)).toBe(0);
  }, 120_000);
});
