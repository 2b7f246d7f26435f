import { Body, Panel } from '../../components/panel';
import { Stat, StatGrid } from '../../components/stat';
import { TimeChart } from '../../components/time-chart';
import { usePanelData } from '../../components/use-panel-data';
import { n, runQuery } from '../../api/query';
import { fmtCompact, fmtCount } from '../../lib/format';
import { align } from '../../lib/series';
import { bucketsBetween } from '../../lib/time';

/** Distinct `user_id`s per bucket (all event types), and over the whole range. */
export function ActiveUsersChart() {
  const p = usePanelData(async (ctx) => {
    const [rows, total] = await Promise.all([
      runQuery(ctx, { measures: ['unique_users'], interval: ctx.interval, limit: 10_000 }),
      runQuery(ctx, { measures: ['unique_users'] }),
    ]);
    const xs = bucketsBetween(ctx.startMs, ctx.endMs, ctx.interval);
    return { xs, range: [xs[0] ?? ctx.startMs, ctx.endMs] as [number, number], interval: ctx.interval, total: n(total[0], 'unique_users') ?? 0, series: [{ label: `users per ${ctx.interval}`, values: align(rows, xs, 'unique_users', 0) }] };
  });
  return (
    <Panel id="active-users" title="Active users" wide data={p} source={`/v1/query unique_users per ${p.data?.interval ?? 'bucket'}, all event types (distinct user_id).`}>
      <Body data={p.data} empty={(d) => d.total === 0}>
        {(d) => (
          <>
            <StatGrid>
              <Stat id="users-total" label="Users in range" text={fmtCount(d.total)} value={d.total} />
            </StatGrid>
            <TimeChart testid="chart-active-users" xs={d.xs} range={d.range} series={d.series} yFormat={fmtCompact} />
          </>
        )}
      </Body>
    </Panel>
  );
}
