import type { ReportRun, ReportRunStore } from '../../reports/runner.js';
import { clean, msColumn, num, numOrNull, PgStore, strOrNull, tsParam, type PgDb, type PgRow } from './connection.js';

const COLUMNS = `name, ${msColumn('period_start')}, ${msColumn('period_end')}, status, ${msColumn('claimed_at')},
  ${msColumn('finished_at')}, detail`;

function toRun(row: PgRow): ReportRun {
  const status = row.status === 'sent' || row.status === 'failed' ? row.status : 'claimed';
  return {
    name: String(row.name), periodStartMs: num(row.period_start), periodEndMs: num(row.period_end), status,
    claimedAt: num(row.claimed_at), finishedAt: numOrNull(row.finished_at), detail: strOrNull(row.detail),
  };
}

/** Report runs in PostgreSQL: (name, period_start) is the primary key, so a period is claimed by one instance. */
export class PostgresReportRunStore extends PgStore implements ReportRunStore {
  constructor(db: PgDb) {
    super(db, 'report run');
  }

  /**
   * One statement: inserts the claim, or takes over a claim left unfinished for longer than `staleMs`. Two instances
   * claiming together serialise on the row: exactly one of them sees a row written.
   */
  async claim(run: Pick<ReportRun, 'name' | 'periodStartMs' | 'periodEndMs' | 'claimedAt'>, staleMs: number): Promise<boolean> {
    const written = await this.db().changed(
      `INSERT INTO report_runs AS r (name, period_start, period_end, status, claimed_at, finished_at, detail)
       VALUES ($1, ${tsParam('$2')}, ${tsParam('$3')}, 'claimed', ${tsParam('$4')}, NULL, NULL)
       ON CONFLICT (name, period_start) DO UPDATE SET claimed_at = excluded.claimed_at
       WHERE r.status = 'claimed' AND r.claimed_at < ${tsParam('$5')}`,
      [run.name, run.periodStartMs, run.periodEndMs, run.claimedAt, run.claimedAt - staleMs],
    );
    return written === 1;
  }

  async finish(name: string, periodStartMs: number, status: 'sent' | 'failed', detail: string | null, atMs: number): Promise<void> {
    await this.db().changed(
      `UPDATE report_runs SET status = $1, detail = $2, finished_at = ${tsParam('$3')} WHERE name = $4 AND period_start = ${tsParam('$5')}`,
      [status, clean(detail), atMs, name, periodStartMs],
    );
  }

  async list(limit: number): Promise<ReportRun[]> {
    const rows = await this.db().rows(`SELECT ${COLUMNS} FROM report_runs ORDER BY report_runs.period_start DESC, name COLLATE "C" LIMIT $1`, [limit]);
    return rows.map(toRun);
  }
}
