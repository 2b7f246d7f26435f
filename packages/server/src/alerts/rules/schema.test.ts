import { describe, expect, it } from 'vitest';
import { parseRule } from './schema.js';
import { ruleToJson } from './to-json.js';

const ctx = { source: 'api' as const, project: 'default', id: 'rule_1' };
const issues = (input: Record<string, unknown>) => {
  const parsed = parseRule(input, ctx);
  return parsed.ok ? [] : parsed.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('rule schema: what is accepted can be stored and read back', () => {
  it('refuses durations too long to evaluate or to write back, naming the field', () => {
    // A window of 1e300 s was echoed as "1.157…e+295d4.2…e+280h…", which no longer parses: the rule vanished at the
    // next restart ("stored alert rule no longer validates; skipped"), and its query failed at every evaluation.
    expect(issues({ name: 'a', condition: 'count > 1', window: 1e300 })).toEqual([expect.stringMatching(/^window: must be at most 3650d/)]);
    expect(issues({ name: 'a', condition: 'count > 1', window: '99999999999d' })).toEqual([expect.stringMatching(/^window: must be at most/)]);
    expect(issues({ name: 'a', condition: 'count > 1', for: '99999999999999999999999d' })).toEqual([expect.stringMatching(/^for: must be at most/)]);
    expect(issues({ name: 'a', condition: 'count > 1', repeat_interval: '3651d' })).toEqual([expect.stringMatching(/^repeat_interval: must be at most/)]);
    expect(issues({ name: 'a', condition: 'count > 1', repeat_interval: '3650d', window: '365d' })).toEqual([]);
  });

  it('refuses a condition whose number is not finite (stored as null, the rule was lost at the next restart)', () => {
    expect(issues({ name: 'a', condition: 'count > 1e400' })).toEqual([expect.stringMatching(/^condition: .*finite/)]);
    expect(issues({ name: 'a', condition: 'count < -1e999' })).toEqual([expect.stringMatching(/^condition: .*finite/)]);
  });

  it('round-trips: the API form of an accepted rule parses back to the same rule', () => {
    const inputs = [
      { name: 'long', condition: 'count > 1e300', window: '3650d', for: '3650d', keep_firing_for: '3650d', group_wait: '3650d', group_interval: '3650d', repeat_interval: '3650d' },
      { name: 'event', kind: 'event', types: ['error'], resolve_after: '3650d' },
    ];
    for (const input of inputs) {
      const first = parseRule(input, ctx);
      expect(first.ok).toBe(true);
      const { id: _id, source: _source, ...body } = ruleToJson((first as { rule: never }).rule);
      const again = parseRule(JSON.parse(JSON.stringify(body)), ctx);
      expect(again).toEqual(first);
    }
  });
});
