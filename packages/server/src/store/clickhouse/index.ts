export { ClickHouseEventStore, type ClickHouseEventStoreOptions } from './event-store.js';
export { literal, LiteralError, type LiteralValue } from './literal.js';
export { bindParams } from './bind.js';

import { ClickHouseEventStore, type ClickHouseEventStoreOptions } from './event-store.js';

/** Connects, creates the database if missing and runs the migrations. */
export async function openClickHouseEventStore(options: ClickHouseEventStoreOptions): Promise<ClickHouseEventStore> {
  const store = new ClickHouseEventStore(options);
  await store.init();
  return store;
}
