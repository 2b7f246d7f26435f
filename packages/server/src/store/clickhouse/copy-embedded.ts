import type { Severity, Status, StoredEvent } from '@pulse/protocol';
import type { EventStore, Row } from '../types.js';
import type { ClickHouseEventStore } from './event-store.js';

const DAY_MS = 86_400_000;
/** Events read from the file and appended to ClickHouse at a time (one INSERT per month partition each). */
export const COPY_PAGE_ROWS = 50_000;

/** What became of one UTC day of the embedded file's events. */
export interface DayCopy {
  /** The day's start, epoch ms (UTC). */
  day: number;
  /** Events of the day in the embedded file. */
  embedded: number;
  /** Events of the day ClickHouse held before the copy. */
  before: number;
  /** Events copied now. */
  copied: number;
  /**
   * `copied`: ClickHouse had none of the day, all are copied; `present`: it had as many as the file (a run before
   * copied it), nothing copied; `conflict`: it had some but not as many — a copy cut off, or events ingested into
   * ClickHouse since — nothing copied, so nothing is stored twice (docs/scaling.md says how to resolve it).
   */
  state: 'copied' | 'present' | 'conflict';
}

export interface CopyEventsOptions {
  pageRows?: number;
  /** Told about each day as it is done (the CLI prints it). */
  onDay?: (day: DayCopy) => void;
}

/**
 * Copies the events of an embedded DuckDB store into a ClickHouse event store, day by day (UTC), oldest first, in
 * `seq` order — the move of `pulse events copy-to-clickhouse` (docs/scaling.md#moving-existing-events). A day is
 * copied only when ClickHouse has none of it, so a run that was cut off, or run twice, never stores an event twice;
 * a day ClickHouse already holds in full is skipped. ClickHouse's rollups are materialized views: the copied events
 * are rolled up as they are inserted. Idempotency records are not copied (they live 24 h).
 */
export async function copyEmbeddedEvents(from: EventStore, to: ClickHouseEventStore, options: CopyEventsOptions = {}): Promise<DayCopy[]> {
  const pageRows = options.pageRows ?? COPY_PAGE_ROWS;
  const embeddedDays = await from.query(
    `SELECT epoch_ms(date_trunc('day', ts)) AS day, count(*) AS n FROM events GROUP BY 1 ORDER BY 1`, [],
  );
  const present = new Map<number, number>();
  for (const r of await to.query('SELECT intDiv(ts, 86400000) * 86400000 AS day, count() AS n FROM events GROUP BY day', [])) {
    present.set(Number(r.day), Number(r.n));
  }
  const out: DayCopy[] = [];
  for (const d of embeddedDays) {
    const day = Number(d.day);
    const embedded = Number(d.n);
    const before = present.get(day) ?? 0;
    let result: DayCopy;
    if (before === embedded) result = { day, embedded, before, copied: 0, state: 'present' };
    else if (before > 0) result = { day, embedded, before, copied: 0, state: 'conflict' };
    else result = { day, embedded, before, copied: await copyDay(from, to, day, pageRows), state: 'copied' };
    out.push(result);
    options.onDay?.(result);
  }
  return out;
}

async function copyDay(from: EventStore, to: ClickHouseEventStore, day: number, pageRows: number): Promise<number> {
  let after = -1;
  let copied = 0;
  for (;;) {
    const rows = await from.query(`${SELECT} WHERE ts >= epoch_ms($1::BIGINT) AND ts < epoch_ms($2::BIGINT) AND seq > $3 ORDER BY seq LIMIT $4`, [
      day, day + DAY_MS, after, pageRows,
    ]);
    if (rows.length === 0) return copied;
    await to.append({ events: rows.map(toStoredEvent) });
    copied += rows.length;
    after = Number(rows[rows.length - 1]!.seq);
  }
}

/** The embedded `events` columns (store/duckdb/event-columns.ts), maps as JSON text. */
const SELECT = `SELECT project, epoch_ms(ts) AS ts, seq, id, type, name, service, environment, user_id, session_id, persona,
  channel, guild, prompt_id, model, provider, input_tokens, output_tokens, cost_usd, duration_ms, ttft_ms, status,
  error_type, error_message, severity, value, target, text, sentiment, CAST(to_json(phases) AS VARCHAR) AS phases,
  CAST(to_json(attributes) AS VARCHAR) AS attributes, text_length, questions, emojis, mentions, topic FROM events`;

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const json = <T>(v: unknown): T | null => (v === null || v === undefined ? null : (JSON.parse(String(v)) as T));

export function toStoredEvent(r: Row): StoredEvent {
  return {
    project: String(r.project), ts: Number(r.ts), id: str(r.id), type: String(r.type), name: str(r.name),
    service: str(r.service), environment: str(r.environment), user_id: str(r.user_id), session_id: str(r.session_id),
    persona: str(r.persona), channel: str(r.channel), guild: str(r.guild), prompt_id: str(r.prompt_id),
    model: str(r.model), provider: str(r.provider), input_tokens: num(r.input_tokens), output_tokens: num(r.output_tokens),
    cost_usd: num(r.cost_usd), duration_ms: num(r.duration_ms), ttft_ms: num(r.ttft_ms), status: String(r.status) as Status,
    error_type: str(r.error_type), error_message: str(r.error_message), severity: str(r.severity) as Severity | null,
    value: num(r.value), target: str(r.target), text: str(r.text), sentiment: num(r.sentiment),
    phases: json<Record<string, number>>(r.phases), attributes: json<Record<string, string>>(r.attributes),
    text_length: num(r.text_length), questions: num(r.questions), emojis: num(r.emojis), mentions: num(r.mentions),
    topic: str(r.topic),
  };
}
