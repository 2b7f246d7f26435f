import { useState } from 'preact/hooks';
import { useStore } from '../../state/store';
import { viewStore } from '../../state/view-store';
import { ActiveAlerts } from './active-alerts';
import { AlertHistory } from './alert-history';
import { RuleList } from './rule-list';
import { SilenceList } from './silence-list';
import './alerts.css';

/**
 * Alerting (docs/alerting.md): what fires or waits now, with acknowledge and silence for admin keys; what resolved;
 * every rule with the value it last evaluated to; active silences. Actions reload the panels at once.
 */
export function AlertsSection() {
  const [version, setVersion] = useState(0);
  const project = useStore(viewStore).project;
  const changed = () => setVersion((v) => v + 1);
  return (
    <div class="grid">
      <ActiveAlerts version={version} project={project} onChange={changed} />
      <RuleList version={version} />
      <AlertHistory version={version} />
      <SilenceList version={version} project={project} onChange={changed} />
    </div>
  );
}
