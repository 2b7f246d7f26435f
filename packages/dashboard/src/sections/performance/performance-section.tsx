import { ErrorRate } from './error-rate';
import { ErrorTable } from './error-table';
import { LatencyChart } from './latency-chart';
import { MessageRate } from './message-rate';
import { ModelComparison } from './model-comparison';
import { PhaseBreakdown } from './phase-breakdown';
import { TokenUsageChart } from './token-usage-chart';
import { TtftByModel } from './ttft-by-model';

export function PerformanceSection() {
  return (
    <div class="grid">
      <LatencyChart />
      <MessageRate />
      <ErrorRate />
      <TokenUsageChart />
      <PhaseBreakdown />
      <TtftByModel />
      <ModelComparison />
      <ErrorTable />
    </div>
  );
}
