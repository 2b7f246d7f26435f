import type { Severity } from './alerts-api';

export function SeverityBadge({ severity }: { severity: Severity }) {
  return <span class={`sev sev-${severity}`} data-testid="severity">{severity}</span>;
}

export function StateWord({ state }: { state: string }) {
  return <span class={`alert-state ${state}`} data-testid="alert-state">{state}</span>;
}
