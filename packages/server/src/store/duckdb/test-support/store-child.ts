/**
 * A child process for the DuckDB store tests. `hold <dir>`: opens the store, prints "ready" and
 * waits to be killed. `append <dir>`: appends 200-event batches forever, printing "acked <n>" after
 * each append resolves, so the parent can SIGKILL it mid-stream.
 */
import { emptyEvent } from '../../contract/fixtures.js';
import { openEmbeddedStores } from '../index.js';

const [mode, dataDir] = process.argv.slice(2);
if (dataDir === undefined) throw new Error('usage: store-child.ts hold|append <dataDir>');
const { store } = await openEmbeddedStores({ dataDir });
if (mode === 'hold') {
  process.stdout.write('ready\n');
  setInterval(() => undefined, 60_000);
} else {
  for (let batch = 0; ; batch++) {
    const events = Array.from({ length: 200 }, (_, i) =>
      emptyEvent({ ts: Date.UTC(2025, 0, 1) + batch * 200 + i, value: batch, user_id: `user_${i}`, phases: { a: i } }),
    );
    await store.append({ events });
    process.stdout.write(`acked ${batch}\n`);
  }
}
