export { demoCommand } from './demo-command.js';
export { runDemo, formatSummary, BACKFILL_CAP } from './run-demo.js';
export type { DemoOptions, DemoSummary } from './run-demo.js';
export { BatchSender, retryAfterMs } from './batch-sender.js';
export type { SendCounters, SenderOptions } from './batch-sender.js';
