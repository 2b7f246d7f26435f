import { useState } from 'preact/hooks';
import { ActiveUsersChart } from './active-users-chart';
import { ActivityHeatmap } from './activity-heatmap';
import { MarginTable } from './margin-table';
import { TopTable } from './top-table';
import { UserAnalytics } from './user-analytics';
import { UserDetail } from './user-detail';

export function UsersSection() {
  const [user, setUser] = useState<string | null>(null);
  return (
    <div class="grid">
      {user !== null ? <UserDetail userId={user} onClose={() => setUser(null)} /> : null}
      <UserAnalytics onUser={setUser} />
      <MarginTable />
      <ActiveUsersChart />
      <TopTable id="top-users" title="Top users" dim="user_id" dimLabel="User" extra="last_seen" />
      <TopTable id="top-channels" title="Top channels" dim="channel" dimLabel="Channel" extra="unique_users" />
      <ActivityHeatmap />
    </div>
  );
}
