import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, OTLP_ATTRIBUTE_DEFAULTS } from '../../config/load.js';
import { buildOtlpDescriptor } from './descriptor-gen.js';
import { OTLP_DESCRIPTOR } from './descriptor.js';

const dir = (): string => mkdtempSync(join(tmpdir(), 'pulse-otlp-config-'));

describe('OTLP configuration', () => {
  it('defaults to GenAI spans and the conventional attribute keys', () => {
    expect(loadConfig({ env: {}, cwd: dir() }).otlp).toEqual({ spans: 'genai', attributes: OTLP_ATTRIBUTE_DEFAULTS });
    expect(OTLP_ATTRIBUTE_DEFAULTS).toEqual({
      user_id: ['user.id', 'enduser.id'], session_id: ['session.id', 'gen_ai.conversation.id'], persona: ['gen_ai.agent.name'], channel: [], guild: [],
    });
  });

  it('reads the YAML otlp section, and the environment over it', () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'pulse.yaml'), 'otlp:\n  spans: http\n  attributes:\n    persona: bot.persona\n    channel: [discord.channel, slack.channel]\n    user_id: [app.user]\n');
    expect(loadConfig({ env: { PULSE_CONFIG: 'pulse.yaml' }, cwd }).otlp).toEqual({
      spans: 'http',
      attributes: { ...OTLP_ATTRIBUTE_DEFAULTS, persona: ['bot.persona'], channel: ['discord.channel', 'slack.channel'], user_id: ['app.user'] },
    });
    const env = { PULSE_CONFIG: 'pulse.yaml', PULSE_OTLP_SPANS: 'all', PULSE_OTLP_PERSONA_ATTRIBUTE: 'a.persona, b.persona', PULSE_OTLP_GUILD_ATTRIBUTE: '["discord.guild"]' };
    expect(loadConfig({ env, cwd }).otlp).toEqual({
      spans: 'all',
      attributes: { ...OTLP_ATTRIBUTE_DEFAULTS, persona: ['a.persona', 'b.persona'], channel: ['discord.channel', 'slack.channel'], user_id: ['app.user'], guild: ['discord.guild'] },
    });
  });

  it('names a bad value', () => {
    expect(() => loadConfig({ env: { PULSE_OTLP_SPANS: 'some' }, cwd: dir() })).toThrow(/PULSE_OTLP_SPANS must be genai, http or all/);
    expect(() => loadConfig({ env: { PULSE_OTLP_USER_ATTRIBUTE: '[1]' }, cwd: dir() })).toThrow(/PULSE_OTLP_USER_ATTRIBUTE/);
    const cwd = dir();
    writeFileSync(join(cwd, 'bad.yaml'), 'otlp:\n  attributes:\n    tenant: x\n');
    expect(() => loadConfig({ env: { PULSE_CONFIG: 'bad.yaml' }, cwd })).toThrow(/otlp\.attributes/);
  });
});

describe('descriptor.ts', () => {
  it('is what protobufjs makes of the vendored .proto files (regenerate with descriptor-gen.ts)', () => {
    expect(OTLP_DESCRIPTOR).toEqual(buildOtlpDescriptor());
  });
});
