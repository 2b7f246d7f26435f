import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import { DB_FILE_NAME, migrate, openEmbeddedStores } from '../store/duckdb/index.js';
import { MIGRATIONS } from '../store/duckdb/schema.js';
import { executeQuery } from '../query/run.js';

/**
 * A data file written before text facts existed (schema version 1 only) opens, gains the columns,
 * and its old events read NULL facts while still counting in every measure that does not need them.
 */
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('migration 2: text facts on an existing data file', () => {
  it('keeps old events countable, with NULL facts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pulse-migrate-'));
    dirs.push(dir);
    const old = await DuckDBInstance.create(join(dir, DB_FILE_NAME));
    const c = await old.connect();
    await migrate(c, MIGRATIONS.filter((m) => m.version === 1));
    await c.run(`INSERT INTO events (project, ts, seq, type, persona, user_id, session_id, status, duration_ms, sentiment)
      VALUES ('p1', TIMESTAMP '2026-03-09 10:00:00', 1, 'message', 'scav', 'u1', 's1', 'ok', 1500, 0.5)`);
    c.closeSync();
    old.closeSync();

    const stores = await openEmbeddedStores({ dataDir: dir });
    try {
      await stores.store.append({ events: [{
        project: 'p1', id: null, ts: Date.parse('2026-03-09T11:00:00Z'), type: 'message', name: null, service: null, environment: null,
        user_id: 'u1', session_id: 's1', persona: 'scav', channel: null, guild: null, prompt_id: null, model: null, provider: null,
        input_tokens: null, output_tokens: null, cost_usd: null, duration_ms: 2500, ttft_ms: null, status: 'ok', error_type: null,
        error_message: null, severity: null, value: null, target: null, text: null, sentiment: null, phases: null, attributes: null,
        text_length: 40, questions: 1, emojis: 0, mentions: 0, topic: 'gaming',
      }] });
      const { rows } = await executeQuery(stores.store, {
        project: 'p1',
        range: { startMs: Date.parse('2026-03-09T00:00:00Z'), endMs: Date.parse('2026-03-10T00:00:00Z') },
        filters: [],
        measures: ['count', 'unique_sessions', 'avg_duration_ms', 'text_samples', 'avg_text_length', 'questions'],
        dimensions: ['topic'],
        order: [{ name: 'topic', direction: 'asc' }],
      });
      // Both count and keep their durations; only the new one has facts.
      expect(rows).toEqual([
        { topic: 'gaming', count: 1, unique_sessions: 1, avg_duration_ms: 2500, text_samples: 1, avg_text_length: 40, questions: 1 },
        { topic: null, count: 1, unique_sessions: 1, avg_duration_ms: 1500, text_samples: 0, avg_text_length: null, questions: 0 },
      ]);
      const versions = await stores.store.query('SELECT max(version) AS v FROM schema_migrations', []);
      expect(versions).toEqual([{ v: Math.max(...MIGRATIONS.map((m) => m.version)) }]);
    } finally {
      await stores.close();
    }
  });
});
