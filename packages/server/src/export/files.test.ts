import { describe, expect, it } from 'vitest';
import { downloadName } from './files.js';

const at = (iso: string): number => Date.parse(iso);
const name = (startIso: string, endIso: string, project = 'default'): string =>
  downloadName({ project, format: 'full', exportType: 'csv', range: { startMs: at(startIso), endMs: at(endIso) } });

describe('downloadName', () => {
  it('names the first and the last day the range covers: its end is exclusive', () => {
    // A date-only end_date covers its whole day: the range ends at the next midnight.
    expect(name('2026-11-20T00:00:00Z', '2026-11-21T00:00:00Z')).toBe('pulse-default-full-2026-11-20-2026-11-20.csv');
    expect(name('2024-01-01T00:00:00Z', '2024-02-01T00:00:00Z')).toBe('pulse-default-full-2024-01-01-2024-01-31.csv');
    expect(name('2026-11-20T10:00:00Z', '2026-11-21T00:00:01Z')).toBe('pulse-default-full-2026-11-20-2026-11-21.csv');
    // end_date=9999-12-31 (the latest the API takes) ends at the year 10000.
    const latest = downloadName({ project: 'default', format: 'full', exportType: 'parquet', range: { startMs: at('0001-01-01T00:00:00Z'), endMs: Date.UTC(10_000, 0, 1) } });
    expect(latest).toBe('pulse-default-full-0001-01-01-9999-12-31.parquet');
  });

  it('keeps a project name to safe characters', () => {
    expect(name('2026-11-20T10:00:00Z', '2026-11-20T12:00:00Z', 'my bot/../x')).toBe('pulse-my_bot_.._x-full-2026-11-20-2026-11-20.csv');
  });
});
