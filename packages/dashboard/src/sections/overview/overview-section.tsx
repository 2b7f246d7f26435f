import { LiveCards } from './live-cards';
import { LiveTail } from './live-tail';
import { PersonaLive } from './persona-live';
import { RangeSummary } from './range-summary';
import { SystemOverview } from './system-overview';

export function OverviewSection() {
  return (
    <div class="grid">
      <LiveCards />
      <SystemOverview />
      <PersonaLive />
      <RangeSummary />
      <LiveTail />
    </div>
  );
}
