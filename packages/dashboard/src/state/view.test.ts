import { describe, expect, test } from 'vitest';
import { parseView, viewToSearch } from './view';

describe('the view in the URL', () => {
  test('defaults: overview, the last 24 hours, no filters', () => {
    expect(parseView('')).toEqual({
      section: 'overview', range: '24h', start: null, end: null, project: null,
      filters: { model: [], persona: [], service: [], channel: [], environment: [] },
    });
    expect(viewToSearch(parseView(''))).toBe('');
  });

  test('round trip: section, range, repeated filters, project', () => {
    const search = '?section=performance&range=1h&project=bot&model=gpt-4o&model=claude+3&persona=%3Cimg%3E&environment=prod';
    const v = parseView(search);
    expect(v.section).toBe('performance');
    expect(v.range).toBe('1h');
    expect(v.filters.model).toEqual(['gpt-4o', 'claude 3']);
    expect(v.filters.persona).toEqual(['<img>']);
    expect(v.project).toBe('bot');
    expect(parseView(viewToSearch(v))).toEqual(v);
  });

  test('a custom range needs both bounds, end after start; anything invalid falls back to the defaults', () => {
    const v = parseView('?range=custom&start=2026-01-01T00:00:00%2B02:00&end=2026-01-02T00:00:00Z');
    expect([v.range, v.start, v.end]).toEqual(['custom', '2025-12-31T22:00:00Z', '2026-01-02T00:00:00Z']);
    expect(parseView('?range=custom&start=2026-01-02T00:00:00Z&end=2026-01-01T00:00:00Z').range).toBe('24h');
    expect(parseView('?range=custom&start=nonsense').range).toBe('24h');
    expect(parseView('?section=nope&range=2y&project=Bad%20Name&model=').section).toBe('overview');
    expect(parseView('?range=2y').range).toBe('24h');
    expect(parseView('?project=Bad%20Name').project).toBeNull();
    expect(parseView('?model=').filters.model).toEqual([]);
  });
});
