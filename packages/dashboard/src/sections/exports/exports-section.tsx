import { Panel } from '../../components/panel';

/** Exports arrive in a later release; until then this says so and shows nothing invented. */
export function ExportsSection() {
  return (
    <div class="grid">
      <Panel id="exports" title="Exports" wide state="ready">
        <p class="not-set-up" data-testid="not-set-up">
          Exports are not set up yet. CSV, JSON and Parquet exports of events arrive in a later release of Pulse.
        </p>
        <p class="muted">
          Meanwhile every panel's figures come from <code>GET /v1/query</code>, which answers JSON for any range
          and filters (see docs/api.md).
        </p>
      </Panel>
    </div>
  );
}
