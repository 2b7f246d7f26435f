import type { ReportRun, ReportRunStore } from '../../reports/runner.js';
import type { Row } from '../types.js';
import type { DuckDbHandle } from './open.js';
import { OwnConnectionStore } from './own-connection.js';

const COLUMNS = 'name, period_start, period_end, status, claimed_at, finished_at, detail';

function toRun(row: Row): ReportRun {
  const status = row.status === 'sent' || row.status === 'failed' ? row.status : 'claimed';
  return {
    name: String(row.name), periodStartMs: Number(row.period_start), periodEndMs: Number(row.period_end), status,
    claimedAt: Number(row.claimed_at), finishedAt: row.finished_at === null ? null : Number(row.finished_at),
    detail: row.detail === null ? null : String(row.detail),
  };
}

/** Report runs in the embedded file (table `report_runs`); (name, period_start) is the primary key. */
export class DuckDbReportRunStore extends OwnConnectionStore implements ReportRunStore {
  constructor(db: DuckDbHandle) {
    super(db, 'report run');
  }

  async claim(run: Pick<ReportRun, 'name' | 'periodStartMs' | 'periodEndMs' | 'claimedAt'>, staleMs: number): Promise<boolean> {
    const c = this.open();
    const inserted = await c.changed(
      `INSERT INTO report_runs (${COLUMNS}) VALUES (?, epoch_ms(?::BIGINT), epoch_ms(?::BIGINT), 'claimed', epoch_ms(?::BIGINT), NULL, NULL)
       ON CONFLICT DO NOTHING`,
      [run.name, run.periodStartMs, run.periodEndMs, run.claimedAt],
    );
    if (inserted === 1) return true;
    // Taken over only from a claim whose process died before it recorded an outcome.
    const taken = await c.changed(
      `UPDATE report_runs SET claimed_at = epoch_ms(?::BIGINT) WHERE name = ? AND period_start = epoch_ms(?::BIGINT)
       AND status = 'claimed' AND claimed_at < epoch_ms(?::BIGINT)`,
      [run.claimedAt, run.name, run.periodStartMs, run.claimedAt - staleMs],
    );
    return taken === 1;
  }

  async finish(name: string, periodStartMs: number, status: 'sent' | 'failed', detail: string | null, atMs: number): Promise<void> {
    await this.open().changed(
      `UPDATE report_runs SET status = ?, detail = ?, finished_at = epoch_ms(?::BIGINT) WHERE name = ? AND period_start = epoch_ms(?::BIGINT)`,
      [status, detail, atMs, name, periodStartMs],
    );
  }

  async list(limit: number): Promise<ReportRun[]> {
    return (await this.open().rows(`SELECT ${COLUMNS} FROM report_runs ORDER BY period_start DESC, name LIMIT ?`, [limit])).map(toRun);
  }
}
