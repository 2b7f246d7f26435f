import { createServer } from 'node:http';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Monitoring } from '../index.js';
import { silentLogger } from '../transport/log.js';
import { startFakePulse } from '../test-support/fake-pulse.js';
import type { FakePulse } from '../test-support/fake-pulse.js';
import { FakeAnthropic, FakeOpenAI } from '../test-support/fake-llm-clients.js';
import type { Anthropic, OpenAI } from './llm-calls.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const docPath = fileURLToPath(new URL('../../../../docs/sdk.md', import.meta.url));

let fake: FakePulse;
let spoolDir = '';
const saved = { ...process.env };
beforeAll(async () => {
  fake = await startFakePulse();
  spoolDir = await mkdtemp(join(tmpdir(), 'pulse-example-spool-'));
  Object.assign(process.env, { PULSE_URL: fake.url, METRICS_PORT: '0', PULSE_SPOOL_DIR: spoolDir, LOG_LEVEL: 'silent', NODE_ENV: 'test' });
});
afterAll(async () => {
  process.env = saved;
  await fake.close();
  await rm(spoolDir, { recursive: true, force: true });
});

function region(source: string): string {
  const m = /\/\/ #region docs\n([\s\S]*?)\n\/\/ #endregion docs/.exec(source);
  if (!m?.[1]) throw new Error('example without a docs region');
  return m[1];
}

const byType = (type: string): Record<string, unknown>[] => fake.stored.map((s) => s.event).filter((e) => e.type === type);

function monitoring(): Monitoring {
  return new Monitoring({ service: 'example', logger: silentLogger, defaultMetrics: false });
}

describe('docs/sdk.md examples', () => {
  it('quotes every example file verbatim', async () => {
    const doc = await readFile(docPath, 'utf8');
    const files = (await readdir(here)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    expect(files.sort()).toEqual(['bot-turn.ts', 'http-middleware.ts', 'llm-calls.ts', 'low-level-client.ts', 'quickstart.ts']);
    for (const f of files) expect(doc, f).toContain(`\`\`\`ts\n${region(await readFile(join(here, f), 'utf8'))}\n\`\`\``);
  });

  it('quickstart runs: KPIs, the failed job and its alert reach the server', async () => {
    await import('./quickstart.js');
    const api = fake.stored.map((s) => s.event).filter((e) => e.service === 'api');
    expect(api.map((e) => `${e.type}:${e.name}`)).toEqual([
      'user:active', 'metric:token_spend_total', 'payment:premium', 'metric:active_jobs_total', 'error:CapacityError',
      'metric:generation_failure_total', 'error:queue_failure', 'metric:active_jobs_total', 'job:image-generation',
    ]);
    expect(api.every((e) => e.environment === 'test')).toBe(true);
  });

  it('low-level client runs and flushes on shutdown', async () => {
    const mod = await import('./low-level-client.js');
    expect(mod.tracked).toBe(2);
    expect(byType('llm').find((e) => e.persona === 'scav')).toMatchObject({ input_tokens: 812, ttft_ms: 220 });
    expect(await readdir(spoolDir)).toEqual([]);
  });

  it('http middleware example serves and records through Fastify and node:http', async () => {
    const { buildFastifyApp, buildNodeServer, expressMetrics } = await import('./http-middleware.js');
    const m = monitoring();
    const app = await buildFastifyApp(m);
    await app.listen({ port: 0, host: '127.0.0.1' });
    await fetch(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}/users/7`);
    await app.close();
    const server = buildNodeServer(m);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/orders/99`);
    await new Promise<void>((r) => server.close(() => r()));
    // Express is not installed: drive the example's middleware the way Express does (router sets req.route).
    const mw = expressMetrics(m);
    const express = createServer((req, res) => {
      mw(req as never, res, () => {
        Object.assign(req, { baseUrl: '/shop', route: { path: '/items/:sku' } });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => express.listen(0, '127.0.0.1', r));
    await fetch(`http://127.0.0.1:${(express.address() as AddressInfo).port}/shop/items/abc`);
    await new Promise<void>((r) => express.close(() => r()));
    await m.shutdown();
    expect(byType('http').filter((e) => e.service === 'example').map((e) => e.name)).toEqual(['/users/:id', '/orders/:id', '/shop/items/:sku']);
  });

  it('LLM example streams through the wrapper and records tokens and context', async () => {
    const { streamReply, summarise } = await import('./llm-calls.js');
    const m = monitoring();
    const chunks = [
      { choices: [{ delta: { content: 'Hi ' } }] },
      { choices: [{ delta: { content: 'there' }, finish_reason: 'stop' }] },
      { choices: [], usage: { prompt_tokens: 9, completion_tokens: 2 } },
    ];
    const openai = new FakeOpenAI({ chunks }) as unknown as OpenAI;
    expect(await streamReply(m, openai, 'u7', 'hello')).toBe('Hi there');
    const anthropic = new FakeAnthropic({
      response: { model: 'claude-3-5-haiku-20241022', content: [{ type: 'text', text: 'Short.' }], stop_reason: 'end_turn', usage: { input_tokens: 20, output_tokens: 3 } },
    }) as unknown as Anthropic;
    expect(await summarise(m, anthropic, 'a long text')).toBe('Short.');
    await m.shutdown();
    const events = byType('llm').filter((e) => e.service === 'example');
    expect(events[0]).toMatchObject({ model: 'gpt-4o-mini', input_tokens: 9, output_tokens: 2, user_id: 'u7', channel: 'general', persona: 'scav' });
    expect(events[1]).toMatchObject({ name: 'summary', provider: 'anthropic', input_tokens: 20, output_tokens: 3 });
  });

  it('bot example sends the phase breakdown, the message, the interaction and feedback', async () => {
    const { handleMessage, onThumbsUp } = await import('./bot-turn.js');
    const m = monitoring();
    expect(await handleMessage(m, { userId: 'u1', channel: 'general', text: 'hello bot' })).toBe('You said: hello bot');
    onThumbsUp(m, 'u1');
    await m.shutdown();
    const mine = fake.stored.map((s) => s.event).filter((e) => e.service === 'example' && (e.user_id === 'u1' || e.target === 'u1'));
    expect(mine.map((e) => e.type)).toEqual(['message', 'message', 'interaction', 'feedback']);
    expect(Object.keys(mine[1]?.phases as object)).toEqual(['context_building', 'llm_inference', 'response_processing', 'tts_generation']);
    expect(mine[2]).toMatchObject({ persona: 'scav', target: 'u1', name: 'reply' });
  });
});
