import { describe, expect, it } from 'vitest';
import { rule } from '../test-support/rules.js';
import type { AlertRule, ThresholdRule } from '../rules/model.js';
import type { AlertInstance } from './instance.js';
import { stepRule } from './lifecycle.js';
import { thresholdSignals, type SeriesValue } from './signals.js';

/** Drives one rule through evaluations at the given times (a fake clock: `now` is just a number). */
function drive(r: AlertRule, steps: Array<[number, SeriesValue[]]>): Array<{ now: number; alerts: AlertInstance[] }> {
  let previous: AlertInstance[] = [];
  let n = 0;
  return steps.map(([now, series]) => {
    const result = stepRule({ rule: r, alertType: 'performance', signals: thresholdSignals(r as ThresholdRule, series), previous, now, newId: () => `a${++n}` });
    // Resolved instances are forgotten once notified; here, at once.
    previous = result.instances.filter((a) => a.state !== 'resolved');
    return { now, alerts: result.instances };
  });
}
const v = (value: number, samples = 10, labels: Record<string, string> = {}): SeriesValue[] => [{ labels, value, samples }];
const states = (out: ReturnType<typeof drive>): string[] => out.map((o) => o.alerts.map((a) => a.state).join(',') || 'inactive');
const S = 1000;

describe('alert lifecycle (pure, fake clock)', () => {
  it('fires at once without `for`, and resolves when the condition stops holding', () => {
    const r = rule({ name: 'slow', condition: 'avg_duration_ms > 500' });
    const out = drive(r, [[0, v(400)], [15 * S, v(600)], [30 * S, v(700)], [45 * S, v(450)]]);
    expect(states(out)).toEqual(['inactive', 'firing', 'firing', 'resolved']);
    const resolved = out[3]!.alerts[0]!;
    expect(resolved.firedAt).toBe(15 * S);
    expect(resolved.resolvedAt).toBe(45 * S);
    expect(resolved.details.current).toBe(450);
  });

  it('stays pending for `for`, then fires; a dip while pending resets it', () => {
    const r = rule({ name: 'slow', condition: 'avg_duration_ms > 500', for: '30s' });
    const out = drive(r, [[0, v(600)], [15 * S, v(600)], [30 * S, v(600)], [45 * S, v(100)], [60 * S, v(600)], [75 * S, v(600)]]);
    expect(states(out)).toEqual(['pending', 'pending', 'firing', 'resolved', 'pending', 'pending']);
    expect(out[2]!.alerts[0]!.firedAt).toBe(30 * S);
    // The second incident is a new alert with its own id and start.
    expect(out[4]!.alerts[0]!.id).not.toBe(out[0]!.alerts[0]!.id);
    expect(out[4]!.alerts[0]!.activeAt).toBe(60 * S);
  });

  it('drops a pending alert that never fired (no history of it)', () => {
    const r = rule({ name: 'slow', condition: 'avg_duration_ms > 500', for: '1m' });
    let previous: AlertInstance[] = [];
    const first = stepRule({ rule: r, alertType: 't', signals: thresholdSignals(r as ThresholdRule, v(900)), previous, now: 0, newId: () => 'x' });
    previous = first.instances;
    const second = stepRule({ rule: r, alertType: 't', signals: thresholdSignals(r as ThresholdRule, v(1)), previous, now: 15 * S, newId: () => 'y' });
    expect(second.instances).toEqual([]);
    expect(second.dropped.map((a) => a.id)).toEqual(['x']);
  });

  it('keep_firing_for holds a flapping alert firing across short dips', () => {
    const flapping = [[0, v(600)], [15 * S, v(100)], [30 * S, v(600)], [45 * S, v(100)], [60 * S, v(100)], [75 * S, v(100)], [90 * S, v(100)]] as Array<[number, SeriesValue[]]>;
    const plain = drive(rule({ name: 'f', condition: 'avg_duration_ms > 500' }), flapping);
    expect(states(plain)).toEqual(['firing', 'resolved', 'firing', 'resolved', 'inactive', 'inactive', 'inactive']);
    const kept = drive(rule({ name: 'f', condition: 'avg_duration_ms > 500', keep_firing_for: '40s' }), flapping);
    // Last active at 30 s: firing until 30 + 40 = 70 s, resolved at the first evaluation after (75 s).
    expect(states(kept)).toEqual(['firing', 'firing', 'firing', 'firing', 'firing', 'resolved', 'inactive']);
    expect(new Set(kept.slice(0, 5).map((o) => o.alerts[0]!.id)).size).toBe(1);
  });

  it('no data: `ok` resolves, `keep` holds the state, `alerting` fires a no_data alert', () => {
    const base = { name: 'nd', condition: 'error_rate > 0.1', min_samples: 5 } as const;
    const seq: Array<[number, SeriesValue[]]> = [[0, v(0.5)], [15 * S, []], [30 * S, v(0.5, 2)]];
    expect(states(drive(rule({ ...base, no_data: 'ok' }), seq))).toEqual(['firing', 'resolved', 'inactive']);
    expect(states(drive(rule({ ...base, no_data: 'keep' }), seq))).toEqual(['firing', 'firing', 'firing']);
    const alerting = drive(rule({ ...base, no_data: 'alerting' }), [[0, []]]);
    expect(alerting[0]!.alerts[0]!.labels.no_data).toBe('true');
    expect(alerting[0]!.alerts[0]!.state).toBe('firing');
  });

  it('min_samples: a series on too few events gives no verdict', () => {
    const r = rule({ name: 'ms', condition: 'error_rate > 0.1', min_samples: 20 });
    expect(states(drive(r, [[0, v(1, 19)], [15 * S, v(1, 20)]]))).toEqual(['inactive', 'firing']);
  });

  it('group-by: each series has its own alert and lifecycle', () => {
    const r = rule({ name: 'by model', condition: 'p95_duration_ms > 1000', group_by: ['model'] });
    const out = drive(r, [
      [0, [{ labels: { model: 'a' }, value: 2000, samples: 5 }, { labels: { model: 'b' }, value: 10, samples: 5 }]],
      [15 * S, [{ labels: { model: 'a' }, value: 3000, samples: 5 }, { labels: { model: 'b' }, value: 1500, samples: 5 }]],
      [30 * S, [{ labels: { model: 'b' }, value: 1500, samples: 5 }]],
    ]);
    const byModel = (i: number): Record<string, string> => Object.fromEntries(out[i]!.alerts.map((a) => [a.labels.model!, a.state]));
    expect(byModel(0)).toEqual({ a: 'firing' });
    expect(byModel(1)).toEqual({ a: 'firing', b: 'firing' });
    // Model a vanished from the window: missing counts as not holding.
    expect(byModel(2)).toEqual({ a: 'resolved', b: 'firing' });
    expect(out[1]!.alerts[0]!.fingerprint).not.toBe(out[1]!.alerts[1]!.fingerprint);
    expect(out[1]!.alerts.find((a) => a.labels.model === 'a')!.labels).toMatchObject({ alertname: 'by model', severity: 'medium', project: 'default' });
  });
});
