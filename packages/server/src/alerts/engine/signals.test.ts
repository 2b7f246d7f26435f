import { describe, expect, it } from 'vitest';
import { rule } from '../test-support/rules.js';
import type { AnomalyRule, BudgetRule, ResourceRule } from '../rules/model.js';
import { anomalySignals, budgetSignals, median, resourceSignals, robustBaseline } from './signals.js';

describe('budget forecast', () => {
  const budget = rule({ name: 'Monthly budget', kind: 'budget', budget_usd: 300 }) as BudgetRule;
  // 10 days into a 30-day month (June 2026), at midnight UTC.
  const now = Date.UTC(2026, 5, 11);
  const start = Date.UTC(2026, 5, 1);
  const monthMs = Date.UTC(2026, 6, 1) - start;

  it('extrapolates month-to-date spend linearly and says on which day it crosses the budget', () => {
    const spent = 120; // $12/day → $360 forecast; $300 reached after 25 days → 26 June
    const [s] = budgetSignals(budget, [{ labels: {}, value: spent, samples: 50 }], now);
    const forecast = (spent / (now - start)) * monthMs;
    expect(s!.active).toBe(true);
    expect(s!.details.forecast).toBeCloseTo(forecast, 3);
    const crossing = new Date(start + (300 / spent) * (now - start)).toISOString().slice(0, 10);
    expect(s!.details.crossing_date).toBe(crossing);
    expect(crossing).toBe('2026-06-26');
    expect(s!.message).toContain(`crosses the budget on ${crossing}`);
  });

  it('stays quiet while the forecast is under the budget', () => {
    const [s] = budgetSignals(budget, [{ labels: {}, value: 90, samples: 50 }], now); // $9/day → $270
    expect(s!.active).toBe(false);
    expect(s!.details.forecast).toBeCloseTo(270, 6);
  });

  it('does not extrapolate from the first hours of a month, but spend over the budget fires', () => {
    const early = Date.UTC(2026, 5, 1, 2); // two hours in
    expect(budgetSignals(budget, [{ labels: {}, value: 50, samples: 5 }], early)[0]!.active).toBe(false);
    const over = budgetSignals(budget, [{ labels: {}, value: 301, samples: 5 }], early)[0]!;
    expect(over.active).toBe(true);
    expect(over.message).toContain('over the $300 budget');
  });

  it('says how many tokens the spend leaves out when some had no price, and nothing when none', () => {
    const [s] = budgetSignals(budget, [{ labels: {}, value: 120, samples: 50, unpricedTokens: 12_345 }], now);
    expect(s!.message).toBe('Monthly budget: $120 spent this month, forecast $360 of $300; crosses the budget on 2026-06-26; the cost excludes 12,345 tokens without a price');
    expect(s!.details.unpriced_tokens).toBe(12_345);
    const over = budgetSignals(budget, [{ labels: {}, value: 301, samples: 5, unpricedTokens: 7 }], now)[0]!;
    expect(over.message).toBe('Monthly budget: $301 spent this month, over the $300 budget; the cost excludes 7 tokens without a price');
    const [all] = budgetSignals(budget, [{ labels: {}, value: 90, samples: 50, unpricedTokens: 0 }], now);
    expect(all!.message).toBe('Monthly budget: $90 spent this month, forecast $270 of $300');
    expect(all!.details.unpriced_tokens).toBe(0);
  });
});

describe('anomaly baseline (median/MAD)', () => {
  const anomaly = rule({ name: 'Traffic spike', kind: 'anomaly', measure: 'count', deviations: 3, min_count: 20 }) as AnomalyRule;
  const baseline = [100, 110, 95, 105, 98, 102, 300]; // one past outlier day does not move a robust baseline much

  it('computes median and MAD robustly', () => {
    const b = robustBaseline(baseline)!;
    expect(b.median).toBe(median(baseline));
    expect(b.median).toBe(102);
    // |x − 102| = 2, 8, 7, 3, 4, 0, 198 → median 4
    expect(b.mad).toBe(4);
    expect(b.scale).toBeCloseTo(1.4826 * 4, 9);
  });

  it('fires beyond `deviations` robust z-scores and not within', () => {
    const scale = 1.4826 * 4;
    const high = Math.ceil(102 + 3 * scale) + 1;
    const [hit] = anomalySignals(anomaly, { labels: {}, value: high, samples: high }, baseline);
    expect(hit!.active).toBe(true);
    expect(hit!.details.deviations).toBeCloseTo((high - 102) / scale, 3);
    const [calm] = anomalySignals(anomaly, { labels: {}, value: 110, samples: 110 }, baseline);
    expect(calm!.active).toBe(false);
  });

  it('quiet hours page nobody: below min_count there is no verdict, nor with under 3 baseline days', () => {
    const quiet = rule({ name: 'q', kind: 'anomaly', measure: 'error_rate', min_count: 20 }) as AnomalyRule;
    expect(anomalySignals(quiet, { labels: {}, value: 1, samples: 19 }, [0.01, 0.01, 0.02])).toEqual([]);
    expect(anomalySignals(quiet, { labels: {}, value: 1, samples: 50 }, [0.01, 0.01])).toEqual([]);
    expect(anomalySignals(quiet, { labels: {}, value: 1, samples: 50 }, [0.01, 0.01, 0.02])[0]!.active).toBe(true);
  });
});

describe('resource', () => {
  it('reads the sampler’s percentage, and gives no verdict without a sample', () => {
    const r = rule({ name: 'disk', condition: 'disk_percent > 90' }) as ResourceRule;
    expect(r.kind).toBe('resource');
    const sample = { cpuPercent: 10, memoryPercent: 20, memoryAvailableBytes: 1, diskPercent: 93.5, diskFreeBytes: 1 };
    const [s] = resourceSignals(r, sample) as Exclude<ReturnType<typeof resourceSignals>, 'keep'>;
    expect(s).toMatchObject({ active: true, value: 93.5, labels: { resource: 'disk' } });
    expect(resourceSignals(r, null)).toBe('keep');
  });

  it('carries seed 001\'s resource alert details: resource, current_usage, threshold, available_gb', () => {
    const GB = 1024 ** 3;
    const sample = { cpuPercent: 10, memoryPercent: 87.2, memoryAvailableBytes: 2.1 * GB, diskPercent: 93.5, diskFreeBytes: 12.5 * GB };
    const memory = rule({ name: 'memory', condition: 'memory_percent > 85' }) as ResourceRule;
    const [m] = resourceSignals(memory, sample) as Exclude<ReturnType<typeof resourceSignals>, 'keep'>;
    expect(m!.details).toMatchObject({ resource: 'memory', current: 87.2, current_usage: 87.2, threshold: 85, available_gb: 2.1 });
    const disk = rule({ name: 'disk', condition: 'disk_percent > 90' }) as ResourceRule;
    const [d] = resourceSignals(disk, sample) as Exclude<ReturnType<typeof resourceSignals>, 'keep'>;
    expect(d!.details).toMatchObject({ resource: 'disk', current_usage: 93.5, available_gb: 12.5 });
    const cpu = rule({ name: 'cpu', condition: 'cpu_percent > 5' }) as ResourceRule;
    const [c] = resourceSignals(cpu, sample) as Exclude<ReturnType<typeof resourceSignals>, 'keep'>;
    expect(c!.details).toMatchObject({ resource: 'cpu', current_usage: 10 });
    expect(c!.details).not.toHaveProperty('available_gb');
  });
});
