import { Panel } from '../../components/panel';
import { SystemOverview } from '../overview/system-overview';
import { EventsByType } from './events-by-type';
import { HostPanel } from './host-panel';

export function SystemSection() {
  return (
    <div class="grid">
      <SystemOverview />
      <Panel id="health-checks" title="Service health checks" state="ready">
        <p class="not-set-up" data-testid="not-set-up">
          Not set up yet. Health checks of the services around your bot (HTTP, TCP, heartbeats) arrive in a
          later release. Until then the status here comes from the live error rate.
        </p>
      </Panel>
      <HostPanel />
      <EventsByType />
    </div>
  );
}
