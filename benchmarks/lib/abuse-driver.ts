/**
 * Runs the abusive clients (packages/server/src/ops/test-support/abuse.ts) in a process of their own, forked by
 * operations.bench.ts so that their CPU priority can be set apart from the server's and the `/health` prober's.
 * Args: url, key, clients, duration ms. Sends the report over IPC when done (its Maps as entry lists).
 */
import { runAbuse } from '../../packages/server/src/ops/test-support/abuse.js';

const [url, key, clients, durationMs] = process.argv.slice(2);
const report = await runAbuse({ url: url!, key: key!, clients: Number(clients), durationMs: Number(durationMs) });
process.send?.({ ...report, acked: [...report.acked], unsure: [...report.unsure] }, () => process.exit(0));
