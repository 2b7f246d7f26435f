/** Alertmanager's label matchers: `=`, `!=`, `=~`, `!~` (regular expressions anchored at both ends). */
export type MatchOp = '=' | '!=' | '=~' | '!~';
export const MATCH_OPS: readonly MatchOp[] = ['=', '!=', '=~', '!~'];

export interface Matcher {
  name: string;
  op: MatchOp;
  value: string;
}

export interface Silence {
  id: string;
  project: string;
  matchers: Matcher[];
  startsAt: number;
  endsAt: number;
  createdBy: string | null;
  comment: string | null;
  createdAt: number;
}

/** Compiles a matcher; a bad regular expression is the caller's 400. */
export function compileMatcher(m: Matcher): (labels: Record<string, string>) => boolean {
  const re = m.op === '=~' || m.op === '!~' ? new RegExp(`^(?:${m.value})$`) : null;
  return (labels) => {
    const v = labels[m.name] ?? ''; // a missing label matches as the empty string, as in Alertmanager
    switch (m.op) {
      case '=': return v === m.value;
      case '!=': return v !== m.value;
      case '=~': return re!.test(v);
      case '!~': return !re!.test(v);
    }
  };
}

export function silenceActive(s: Silence, now: number): boolean {
  return s.startsAt <= now && now < s.endsAt;
}

/** A silence mutes an alert of its project while active when every matcher matches the alert's labels. */
export function silencedBy(silences: readonly Silence[], project: string, labels: Record<string, string>, now: number): Silence | null {
  for (const s of silences) {
    if (s.project !== project || !silenceActive(s, now)) continue;
    if (s.matchers.every((m) => compileMatcher(m)(labels))) return s;
  }
  return null;
}
