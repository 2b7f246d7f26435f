import { Panel } from '../../components/panel';

/** Alerting arrives in a later release; until then this says so and shows nothing invented. */
export function AlertsSection() {
  return (
    <div class="grid">
      <Panel id="alerts" title="Alerts" wide state="ready">
        <p class="not-set-up" data-testid="not-set-up">
          Alerting is not set up yet. Alert rules, firing alerts, acknowledgements and notification channels
          arrive in a later release of Pulse.
        </p>
        <p class="muted">
          Meanwhile the Overview colours response time, TTFT and error rate green, yellow or red by seed 001's
          thresholds.
        </p>
      </Panel>
    </div>
  );
}
