import { parseTime, type RangeId, RELATIVE_RANGES, rfc3339 } from '../lib/time';

/**
 * What the dashboard shows, kept whole in the address bar so a view can be shared and reloaded:
 * `?section=performance&range=1h&model=gpt-4o&model=claude-3-haiku&project=bot`.
 */
export const SECTIONS = [
  { id: 'overview', label: 'Overview' },
  { id: 'performance', label: 'Performance' },
  { id: 'personas', label: 'Personas' },
  { id: 'users', label: 'Users' },
  { id: 'system', label: 'System' },
  { id: 'history', label: 'History' },
  { id: 'alerts', label: 'Alerts' },
  { id: 'exports', label: 'Exports' },
] as const;

export type SectionId = (typeof SECTIONS)[number]['id'];

/** The filters every panel honours; each is a query-API filter (`model=a&model=b` means either). */
export const FILTER_FIELDS = ['model', 'persona', 'service', 'channel', 'environment'] as const;
export type FilterField = (typeof FILTER_FIELDS)[number];
export type Filters = Record<FilterField, string[]>;

export interface View {
  section: SectionId;
  range: RangeId;
  /** Custom range bounds (RFC 3339), set only when `range` is `custom`. */
  start: string | null;
  end: string | null;
  filters: Filters;
  /** `?project=` for an admin key; null means the key's own project (or `default`). */
  project: string | null;
}

/** The range of a view whose URL names none. */
export const DEFAULT_RANGE: RangeId = '24h';

/**
 * Sections that open on a different range when the URL names none: History is the long view. The URL
 * stays the source of truth — a range equal to its section's default is left out of it, any other is
 * written — so a shared link reads back the same view.
 */
const SECTION_RANGES: Partial<Record<SectionId, RangeId>> = { history: '90d' };

export function defaultRange(section: SectionId): RangeId {
  return SECTION_RANGES[section] ?? DEFAULT_RANGE;
}
const PROJECT = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export function emptyFilters(): Filters {
  return { model: [], persona: [], service: [], channel: [], environment: [] };
}

export function parseView(search: string): View {
  const q = new URLSearchParams(search);
  const section = SECTIONS.find((s) => s.id === q.get('section'))?.id ?? 'overview';
  let range = defaultRange(section);
  const r = q.get('range');
  if (r === 'custom' || RELATIVE_RANGES.some((x) => x.id === r)) range = r as RangeId;
  let start: string | null = null;
  let end: string | null = null;
  if (range === 'custom') {
    const s = parseTime(q.get('start'));
    const e = parseTime(q.get('end'));
    if (s !== null && e !== null && e > s) {
      start = rfc3339(s);
      end = rfc3339(e);
    } else range = defaultRange(section);
  }
  const filters = emptyFilters();
  for (const f of FILTER_FIELDS) filters[f] = [...new Set(q.getAll(f).filter((v) => v !== ''))];
  const p = q.get('project');
  return { section, range, start, end, filters, project: p && PROJECT.test(p) ? p : null };
}

export function viewToSearch(v: View): string {
  const q = new URLSearchParams();
  if (v.section !== 'overview') q.set('section', v.section);
  if (v.range !== defaultRange(v.section)) q.set('range', v.range);
  if (v.range === 'custom' && v.start && v.end) {
    q.set('start', v.start);
    q.set('end', v.end);
  }
  if (v.project) q.set('project', v.project);
  for (const f of FILTER_FIELDS) for (const value of v.filters[f]) q.append(f, value);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/**
 * The view on another section. A range the URL names (one other than the current section's default)
 * goes along; a default range becomes the new section's default — Overview at 24 h opens History at
 * 90 days, History at 7 days stays at 7 days. Filters and project always go along.
 */
export function withSection(v: View, section: SectionId): View {
  if (v.range !== defaultRange(v.section)) return { ...v, section };
  return { ...v, section, range: defaultRange(section), start: null, end: null };
}

export function activeFilterCount(f: Filters): number {
  return FILTER_FIELDS.reduce((n, k) => n + f[k].length, 0);
}
