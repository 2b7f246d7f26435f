import { Cron } from 'croner';
import type { TimeRange } from '../query/types.js';

/** A scheduled report from the YAML file's `reports:` (CONTRACT §10). */
export interface ReportSpec {
  name: string;
  schedule: 'daily' | 'weekly';
  /** Local time of day it is sent, `HH:MM`. */
  at: string;
  /** IANA time zone of `at` and of the period's boundaries (default UTC). */
  timezone: string;
  /** Weekly reports: the day they are sent (default monday). */
  day: Weekday;
  /** Channel names, e-mail addresses or webhook URLs, as an alert rule's `notify`. */
  notify: string[];
  project: string;
}

export const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

function cron(pattern: string, timezone: string): Cron {
  return new Cron(pattern, { timezone, paused: true });
}

/** Local midnights that start a report's periods: every day, or every Monday. */
function periodBoundary(spec: ReportSpec): Cron {
  return cron(spec.schedule === 'daily' ? '0 0 * * *' : '0 0 * * 1', spec.timezone);
}

function sendPattern(spec: ReportSpec): string {
  const [hh, mm] = spec.at.split(':').map(Number);
  return spec.schedule === 'daily' ? `${mm} ${hh} * * *` : `${mm} ${hh} * * ${WEEKDAYS.indexOf(spec.day)}`;
}

/** The most recent send time at or before `nowMs`, or null if there is none within a year. */
export function lastSendTime(spec: ReportSpec, nowMs: number): number | null {
  const [prev] = cron(sendPattern(spec), spec.timezone).previousRuns(1, new Date(nowMs + 1));
  return prev ? prev.getTime() : null;
}

export function nextSendTime(spec: ReportSpec, nowMs: number): number | null {
  return cron(sendPattern(spec), spec.timezone).nextRun(new Date(nowMs))?.getTime() ?? null;
}

/**
 * The period a send at `sendMs` reports on, in the report's time zone: a daily report covers the previous local
 * calendar day (midnight to midnight, 23 or 25 hours across a DST change), a weekly one the previous Monday–Sunday.
 */
export function periodFor(spec: ReportSpec, sendMs: number): TimeRange & { label: string } {
  const [end, start] = periodBoundary(spec).previousRuns(2, new Date(sendMs + 1));
  if (!end || !start) throw new Error(`report ${spec.name}: no period before ${new Date(sendMs).toISOString()}`);
  return { startMs: start.getTime(), endMs: end.getTime(), label: spec.schedule };
}

/**
 * The period before `period` (a report's cost trend compares with it): the previous local day or Monday–Sunday week,
 * as long as that one was — 23, 24 or 25 hours (167–169 for a week) across DST changes, not `period`'s length.
 */
export function previousPeriod(spec: ReportSpec, period: TimeRange): TimeRange {
  const [start] = periodBoundary(spec).previousRuns(1, new Date(period.startMs));
  if (!start) throw new Error(`report ${spec.name}: no period before ${new Date(period.startMs).toISOString()}`);
  return { startMs: start.getTime(), endMs: period.startMs };
}
