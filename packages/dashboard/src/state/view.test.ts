import { describe, expect, test } from 'vitest';
import { parseView, viewToSearch, withSection } from './view';

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

  test('the long ranges: 90d and 1y are named in the URL and read back', () => {
    for (const range of ['90d', '1y'] as const) {
      const v = parseView(`?range=${range}`);
      expect(v.range).toBe(range);
      expect(viewToSearch(v)).toBe(`?range=${range}`);
    }
  });

  test('History opens at 90 days unless the URL names a range; its default stays out of the URL', () => {
    expect(parseView('?section=history').range).toBe('90d');
    expect(viewToSearch(parseView('?section=history'))).toBe('?section=history');
    expect(parseView('?section=history&range=24h').range).toBe('24h');
    expect(viewToSearch(parseView('?section=history&range=24h'))).toBe('?section=history&range=24h');
    expect(parseView('?section=history&range=1y').range).toBe('1y');
    // An invalid custom range falls back to the section's default.
    expect(parseView('?section=history&range=custom&start=nonsense').range).toBe('90d');
  });

  test('changing section: a default range becomes the new section\'s default, a chosen one goes along', () => {
    const overview = parseView('?model=gpt-4o');
    const history = withSection(overview, 'history');
    expect([history.section, history.range, history.filters.model]).toEqual(['history', '90d', ['gpt-4o']]);
    expect(viewToSearch(history)).toBe('?section=history&model=gpt-4o');
    expect(withSection(history, 'performance').range).toBe('24h');
    // Chosen ranges go along, both ways.
    expect(withSection(parseView('?range=7d'), 'history').range).toBe('7d');
    expect(withSection(parseView('?section=history&range=1h'), 'overview').range).toBe('1h');
    const custom = parseView('?range=custom&start=2026-01-01T00:00:00Z&end=2026-01-02T00:00:00Z');
    expect(withSection(custom, 'history')).toEqual({ ...custom, section: 'history' });
    // A range equal to History's default is not in History's URL, so it reads as the default: back on
    // Overview it is 24 h again (the URL cannot tell a chosen 90d from the default one).
    expect(withSection(withSection(parseView('?range=90d'), 'history'), 'overview').range).toBe('24h');
  });
});
