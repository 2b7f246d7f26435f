import { SystemOverview } from '../overview/system-overview';
import { EventsByType } from './events-by-type';
import { HealthPanel } from './health-panel';
import { HostPanel } from './host-panel';
import { ResourcesPanel } from './resources-panel';

export function SystemSection() {
  return (
    <div class="grid">
      <SystemOverview />
      <HealthPanel />
      <ResourcesPanel />
      <HostPanel />
      <EventsByType />
    </div>
  );
}
