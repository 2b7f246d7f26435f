import { describe, expect, it } from 'vitest';
import { redactUrl, redactUrlQuery } from './redact-url.js';

describe('redactUrl', () => {
  it('replaces the values of secret parameters and keeps the rest', () => {
    expect(redactUrl('/v1/query?api_key=abc&x=1')).toBe('/v1/query?api_key=[redacted]&x=1');
    expect(redactUrl('/v1/query?x=1&API_KEY=abc#f')).toBe('/v1/query?x=1&API_KEY=[redacted]#f');
    expect(redactUrl('https://user:pw@host/p?token=t')).toBe('https://[redacted]@host/p?token=[redacted]');
  });

  it('also when the parameter name is percent-encoded (the server decodes it and accepts the key)', () => {
    const secret = 'pulse_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
    for (const name of ['api%5Fkey', '%61pi_key', 'api%5fkey', '%70assword']) {
      const out = redactUrl(`/v1/query?measures=count&${name}=${secret}&x=1`);
      expect(out, name).not.toContain(secret);
      expect(out, name).toBe(`/v1/query?measures=count&${name}=[redacted]&x=1`);
    }
  });

  it('leaves a malformed escape in a name alone without throwing', () => {
    expect(redactUrl('/p?%E0%A4%A=1&api_key=s')).toBe('/p?%E0%A4%A=1&api_key=[redacted]');
  });
});

describe('redactUrlQuery', () => {
  it('replaces every query value', () => {
    expect(redactUrlQuery('http://h/api/tags?sig=abc&v=2')).toBe('http://h/api/tags?sig=[redacted]&v=[redacted]');
  });
});
