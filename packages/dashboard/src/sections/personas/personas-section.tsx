import { PersonaLive } from '../overview/persona-live';
import { PersonaMessagesChart } from './persona-messages-chart';
import { PersonaStats } from './persona-stats';

export function PersonasSection() {
  return (
    <div class="grid">
      <PersonaStats />
      <PersonaMessagesChart />
      <PersonaLive />
    </div>
  );
}
