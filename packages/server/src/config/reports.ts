import { z } from 'zod';
import { WEEKDAYS, type ReportSpec } from '../reports/schedule.js';

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** One entry of the YAML file's `reports:` (CONTRACT §10). */
export const reportSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$/, 'must be 1–64 letters, digits, spaces, _ . -'),
  schedule: z.enum(['daily', 'weekly']),
  at: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24 h)').default('09:00'),
  timezone: z.string().refine(validTimeZone, 'is not an IANA time zone (e.g. Europe/Berlin)').default('UTC'),
  day: z.enum(WEEKDAYS).default('monday'),
  notify: z.array(z.string().min(1)).min(1, 'needs at least one channel name, e-mail address or URL'),
  project: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must match ^[a-z0-9][a-z0-9_-]{0,63}$').default('default'),
}).strict();

export const reportsSchema = z.array(reportSchema).superRefine((list, ctx) => {
  const seen = new Set<string>();
  list.forEach((r, i) => {
    if (seen.has(r.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate report name ${JSON.stringify(r.name)}` });
    seen.add(r.name);
  });
});

export type ReportsConfig = ReportSpec[];
