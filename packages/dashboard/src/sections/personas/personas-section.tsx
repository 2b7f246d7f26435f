import { PersonaLive } from '../overview/persona-live';
import { BanterPanel } from './banter-panel';
import { PersonaCards } from './persona-cards';
import { PersonaMessagesChart } from './persona-messages-chart';
import { PersonaStats } from './persona-stats';
import { RelationshipMatrix } from './relationship-matrix';

export function PersonasSection() {
  return (
    <div class="grid">
      <PersonaCards />
      <RelationshipMatrix />
      <BanterPanel />
      <PersonaStats />
      <PersonaMessagesChart />
      <PersonaLive />
    </div>
  );
}
