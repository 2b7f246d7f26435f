/** Text shared by the channel formats: titles, values, links and severities, so every channel says the same thing. */
import type { AlertJson, AlertSeverity, Notification } from '../types.js';
import { ALERT_SEVERITIES } from '../types.js';

/** The most severe alert of a notification decides its colour and its PagerDuty severity. */
export function topSeverity(n: Notification): AlertSeverity {
  let top = 0;
  for (const a of n.alerts) top = Math.max(top, ALERT_SEVERITIES.indexOf(a.severity));
  return ALERT_SEVERITIES[top] ?? 'info';
}

export const isResolved = (a: AlertJson): boolean => a.state === 'resolved';

/** `error_rate` → `Error rate` (seed 001 shows `Performance` for `performance`). */
export function typeTitle(alertType: string): string {
  const s = alertType.replace(/_/g, ' ').trim();
  return s ? s[0]!.toUpperCase() + s.slice(1) : 'Alert';
}

/** Seed 001 calls the measured value `current`, `current_avg` or `current_usage` depending on the alert type. */
export function currentValue(a: AlertJson): string {
  const d = a.details;
  return formatDetail(d.current ?? d.current_avg ?? d.current_usage ?? d.value ?? null, d.unit);
}

export function thresholdValue(a: AlertJson): string {
  return formatDetail(a.details.threshold ?? null, a.details.unit);
}

function formatDetail(v: string | number | boolean | null | undefined, unit: unknown): string {
  if (v === null || v === undefined) return 'n/a';
  const suffix = typeof unit === 'string' && unit ? (unit === '%' ? '%' : ` ${unit}`) : '';
  if (typeof v === 'number') return `${roundForHumans(v)}${suffix}`;
  return `${String(v)}${suffix}`;
}

/** Two decimals from 1 up (5100.25), four significant digits below (0.01235): enough to compare with a threshold. */
export function roundForHumans(v: number): number {
  if (Number.isInteger(v) || !Number.isFinite(v)) return v;
  return Math.abs(v) >= 1 ? Math.round(v * 100) / 100 : Number(v.toPrecision(4));
}

/**
 * `[FIRING:2] High latency` — Alertmanager's default title, which on-call people already read at a glance. `escape`
 * applies a channel's markup escaping to the rule name (user text) only.
 */
export function notificationTitle(n: Notification, escape: (s: string) => string = (s) => s): string {
  const first = n.alerts[0];
  const name = escape(first?.rule_name ?? n.commonLabels.alertname ?? 'alert');
  const count = n.status === 'firing' ? n.alerts.filter((a) => !isResolved(a)).length : n.alerts.length;
  return `[${n.status.toUpperCase()}${count > 1 ? `:${count}` : ''}] ${name}`;
}

/** One line per alert: its message and, while it fires, current vs threshold. */
export function alertLine(a: AlertJson): string {
  const values = a.details.current !== undefined || a.details.threshold !== undefined
    ? ` (current ${currentValue(a)}, threshold ${thresholdValue(a)})` : '';
  return `${isResolved(a) ? 'RESOLVED' : a.severity.toUpperCase()}: ${a.message}${values}`;
}

/** Link back to the alert in the dashboard's Alerts section. */
export function alertLink(n: Notification, a?: AlertJson): string {
  const base = n.externalUrl.replace(/\/+$/, '');
  const project = a && a.project !== 'default' ? `&project=${encodeURIComponent(a.project)}` : '';
  return `${base}/?section=alerts${project}${a ? `#alert-${encodeURIComponent(a.id)}` : ''}`;
}

/** Truncates to `max` characters (code points), marking the cut with an ellipsis. */
export function truncate(s: string, max: number): string {
  const chars = Array.from(s);
  return chars.length <= max ? s : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** Label names Alertmanager accepts (`[a-zA-Z_][a-zA-Z0-9_]*`); others are rewritten, as Prometheus does. */
export const promName = (k: string): string => k.replace(/[^a-zA-Z0-9_]/g, '_').replace(/^([0-9])/, '_$1');

/**
 * A label set with its names rewritten as in `promLabels` (Alertmanager checks annotation names the same way). Names
 * that differ only where they are rewritten (`region.eu` and `region_eu`) would fold into one, losing a value — and two
 * distinct alerts could reach Alertmanager as one. A name Alertmanager accepts as it is keeps it; rewritten names are
 * given in the order of the original names, each taking `_2`, `_3` … (the next free) when its rewriting is taken.
 */
export function promNames(set: Record<string, string>, keep: (value: string) => boolean = () => true): Record<string, string> {
  const out: Record<string, string> = {};
  const keys = Object.keys(set).sort().filter((k) => promName(k) !== '' && keep(set[k]!));
  for (const k of keys) if (promName(k) === k) out[k] = set[k]!; // names Alertmanager accepts as they are stay
  for (const k of keys) {
    const name = promName(k);
    if (name === k) continue;
    let unique = name;
    for (let i = 2; Object.hasOwn(out, unique); i++) unique = `${name}_${i}`;
    out[unique] = set[k]!;
  }
  return out;
}

/** `summary` (the message) plus the rule's annotations, with names Alertmanager accepts. */
export const promAnnotations = (a: AlertJson): Record<string, string> => promNames({ summary: a.message, ...a.annotations });

export function promLabels(a: AlertJson): Record<string, string> {
  const out = promNames(a.labels, (v) => v !== '');
  out.alertname ??= a.rule_name;
  out.severity ??= a.severity;
  out.project ??= a.project;
  return out;
}

/** Alertmanager's "zero time": the `endsAt` of an alert that has not ended. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';
