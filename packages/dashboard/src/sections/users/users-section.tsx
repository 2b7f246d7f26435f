import { ActiveUsersChart } from './active-users-chart';
import { ActivityHeatmap } from './activity-heatmap';
import { TopTable } from './top-table';

export function UsersSection() {
  return (
    <div class="grid">
      <ActiveUsersChart />
      <TopTable id="top-users" title="Top users" dim="user_id" dimLabel="User" extra="last_seen" />
      <TopTable id="top-channels" title="Top channels" dim="channel" dimLabel="Channel" extra="unique_users" />
      <ActivityHeatmap />
    </div>
  );
}
