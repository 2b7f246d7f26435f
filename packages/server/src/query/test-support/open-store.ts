import type { StoredEvent } from '@pulse/protocol';
import type { EventStore } from '../../store/types.js';
import { TestDuckDbStore } from './test-store.js';

/** A fresh DuckDB file in a temp dir holding `events`. `close()` removes it. */
export async function openTestStore(events: readonly StoredEvent[]): Promise<EventStore> {
  const store = await TestDuckDbStore.create();
  await store.init();
  await store.append({ events });
  return store;
}
