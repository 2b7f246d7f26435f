import { CostByModel } from './cost-by-model';
import { CostTrend } from './cost-trend';
import { ErrorTrend } from './error-trend';
import { EventsChart } from './events-chart';
import { LatencyTrend } from './latency-trend';
import { PeriodSummary } from './period-summary';
import { TokensTrend } from './tokens-trend';
import { UsageSummary } from './usage-summary';

/**
 * The long view (90 days unless the URL names a range — state/view.ts): this period against the one
 * before, the trends per day (per week beyond 90 days), then cost by model and seed 004's summary.
 */
export function HistorySection() {
  return (
    <div class="grid">
      <PeriodSummary />
      <EventsChart />
      <LatencyTrend />
      <ErrorTrend />
      <TokensTrend />
      <CostTrend />
      <CostByModel />
      <UsageSummary />
    </div>
  );
}
