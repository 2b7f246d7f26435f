/**
 * Error texts of webhook posts never carry the webhook's secret, even when the receiver echoes the path it was posted
 * to — against a real HTTP receiver answering as Express and Spring Boot do.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemClock } from '../../clock.js';
import type { ChannelDeps } from '../types.js';
import { postJson, scrubSecrets } from './http-send.js';
import { httpReceiver, type HttpReceiver } from './test-support/receiver.js';

const deps: ChannelDeps = { fetch: globalThis.fetch, clock: systemClock };
let receiver: HttpReceiver;
beforeAll(async () => {
  receiver = await httpReceiver();
});
afterAll(() => receiver.close());

it('cuts the path and its token from a receiver that echoes them (Express 404 text, Spring Boot JSON)', async () => {
  const url = `${receiver.url}/hooks/T0KEN-abcdef123456?sig=s3cret-signature`;
  receiver.respond((req, res) => res.writeHead(404, { 'content-type': 'text/html' }).end(`<pre>Cannot POST ${req.path}</pre>`));
  const express = await postJson(deps, url, { a: 1 }, AbortSignal.timeout(5_000));
  expect(express).toMatchObject({ outcome: 'failure', status: 404 });
  expect(express.error).toBe('HTTP 404: <pre>Cannot POST [redacted]</pre>');

  receiver.respond((req, res) => res.writeHead(500, { 'content-type': 'application/json' })
    .end(JSON.stringify({ status: 500, error: 'Internal Server Error', path: req.path.split('?')[0], url: `http://x${req.path}` })));
  const spring = await postJson(deps, url, { a: 1 }, AbortSignal.timeout(5_000));
  expect(spring).toMatchObject({ outcome: 'retryable', status: 500 });
  expect(spring.error).not.toMatch(/T0KEN|s3cret/);
  expect(spring.error).toContain('"error":"Internal Server Error"');
});

it('leaves an error text without the secret as it is', () => {
  expect(scrubSecrets('invalid_payload', 'https://hooks.slack.com/services/T0/B0/abcdefgh12345678')).toBe('invalid_payload');
  expect(scrubSecrets('no such hook abcdefgh12345678', 'https://hooks.slack.com/services/T0/B0/abcdefgh12345678')).toBe('no such hook [redacted]');
  expect(scrubSecrets('see https://example.com/x', 'not a url')).toBe('see [url]');
});
