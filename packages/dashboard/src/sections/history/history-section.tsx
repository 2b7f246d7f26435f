import { CostByModel } from './cost-by-model';
import { EventsChart } from './events-chart';
import { UsageSummary } from './usage-summary';

export function HistorySection() {
  return (
    <div class="grid">
      <UsageSummary />
      <EventsChart />
      <CostByModel />
    </div>
  );
}
