import { describe, expect, it } from 'vitest';
import { lastSendTime, nextSendTime, periodFor, previousPeriod, type ReportSpec } from './schedule.js';

const spec = (over: Partial<ReportSpec>): ReportSpec => ({
  name: 'r', schedule: 'daily', at: '09:00', timezone: 'UTC', day: 'monday', notify: [], project: 'default', ...over,
});
const t = (iso: string): number => Date.parse(iso);

describe('report schedule', () => {
  it('daily: sent at HH:MM local time about the previous local calendar day', () => {
    const s = spec({ timezone: 'Europe/Berlin', at: '08:30' });
    // 2026-12-01 08:30 in Berlin (UTC+1) is 07:30 UTC.
    expect(lastSendTime(s, t('2026-12-01T07:29:00Z'))).toBe(t('2026-11-30T07:30:00Z'));
    expect(lastSendTime(s, t('2026-12-01T07:30:00Z'))).toBe(t('2026-12-01T07:30:00Z'));
    expect(nextSendTime(s, t('2026-12-01T07:30:00Z'))).toBe(t('2026-12-02T07:30:00Z'));
    expect(periodFor(s, t('2026-12-01T07:30:00Z'))).toEqual({ startMs: t('2026-11-29T23:00:00Z'), endMs: t('2026-11-30T23:00:00Z'), label: 'daily' });
  });

  it('a day with a DST change is 23 or 25 hours long', () => {
    const s = spec({ timezone: 'Europe/Berlin' });
    // Clocks went back on 2026-10-25 (25 h day) and forward on 2026-03-29 (23 h day).
    const autumn = periodFor(s, t('2026-10-26T08:00:00Z'));
    expect((autumn.endMs - autumn.startMs) / 3_600_000).toBe(25);
    const spring = periodFor(s, t('2026-03-30T07:00:00Z'));
    expect((spring.endMs - spring.startMs) / 3_600_000).toBe(23);
  });

  it('the period before (the cost trend compares with it) is the previous local day or week, however long it was', () => {
    const s = spec({ timezone: 'Europe/Berlin', at: '08:00' });
    // The report on 2026-03-30 (24 h) compares with 2026-03-29, a 23-hour day (clocks went forward).
    const day = periodFor(s, t('2026-03-31T06:00:00Z'));
    expect(day).toMatchObject({ startMs: t('2026-03-29T22:00:00Z'), endMs: t('2026-03-30T22:00:00Z') });
    expect(previousPeriod(s, day)).toEqual({ startMs: t('2026-03-28T23:00:00Z'), endMs: t('2026-03-29T22:00:00Z') });
    // On 2026-10-26 it compares with the 25-hour 2026-10-25.
    const autumn = periodFor(s, t('2026-10-27T07:00:00Z'));
    expect(previousPeriod(s, autumn)).toEqual({ startMs: t('2026-10-24T22:00:00Z'), endMs: t('2026-10-25T23:00:00Z') });
    // Weekly: the week of 2026-03-30 compares with the 167-hour week that held the change.
    const weekly = spec({ schedule: 'weekly', timezone: 'Europe/Berlin' });
    const week = periodFor(weekly, t('2026-04-06T07:00:00Z'));
    expect(week).toMatchObject({ startMs: t('2026-03-29T22:00:00Z'), endMs: t('2026-04-05T22:00:00Z') });
    expect(previousPeriod(weekly, week)).toEqual({ startMs: t('2026-03-22T23:00:00Z'), endMs: t('2026-03-29T22:00:00Z') });
  });

  it('weekly: sent on its day about the previous Monday–Sunday week', () => {
    const s = spec({ schedule: 'weekly', day: 'monday', at: '09:00', timezone: 'America/New_York' });
    // Monday 2026-11-30 09:00 in New York (UTC−5) is 14:00 UTC.
    expect(lastSendTime(s, t('2026-12-02T00:00:00Z'))).toBe(t('2026-11-30T14:00:00Z'));
    expect(periodFor(s, t('2026-11-30T14:00:00Z'))).toEqual({ startMs: t('2026-11-23T05:00:00Z'), endMs: t('2026-11-30T05:00:00Z'), label: 'weekly' });
    const friday = spec({ schedule: 'weekly', day: 'friday', at: '17:00' });
    expect(new Date(lastSendTime(friday, t('2026-12-01T00:00:00Z'))!).toISOString()).toBe('2026-11-27T17:00:00.000Z');
  });
});
