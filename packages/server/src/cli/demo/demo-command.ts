import { Command, InvalidArgumentError } from 'commander';
import { readDotenv } from '../../config/load.js';
import { runDemo } from './run-demo.js';

/**
 * `pulse demo`: realistic synthetic traffic through the public API. The first Ctrl-C stops cleanly
 * (in-flight batches finish, a summary is printed); a second one exits at once.
 */
export function demoCommand(): Command {
  // A CLI entry point: the one place that reads the environment (and .env, as `pulse serve` does).
  const env = { ...readDotenv(process.cwd()), ...process.env };
  const defaultUrl = env.PULSE_URL || `http://127.0.0.1:${env.ANALYTICS_PORT || '8000'}`;
  return new Command('demo')
    .description('send realistic synthetic traffic (models, personas, users, errors, payments, jobs) through the public API')
    .option('--url <url>', 'Pulse server URL (PULSE_URL)', defaultUrl)
    .option('--key <key>', 'API key with the ingest scope (default ANALYTICS_API_KEY or PULSE_API_KEY)')
    .option('--project <project>', 'project to write to (with an admin key)')
    .option('--rate <n>', 'live events/s, averaged over a week; the diurnal curve shapes it', number('--rate', 0), 200)
    .option('--duration <s>', 'seconds of live traffic; 0 = until Ctrl-C', number('--duration', 0), 60)
    .option('--backfill <h>', 'hours of history to send first; 0 = none', number('--backfill', 0), 24)
    .option('--backfill-events <n>', 'events in the backfill (default: the live rate over those hours, at most 300,000)', number('--backfill-events', 0))
    .option('--seed <n>', 'seed of the synthetic world', number('--seed', 0), 1)
    .option('--users <n>', 'distinct users', number('--users', 1), 5000)
    .action(async (o: { url: string; key?: string; project?: string; rate: number; duration: number; backfill: number; backfillEvents?: number; seed: number; users: number }) => {
      const key = o.key ?? env.ANALYTICS_API_KEY ?? env.PULSE_API_KEY;
      const ac = new AbortController();
      const onSigint = (): void => {
        if (ac.signal.aborted) process.exit(130);
        process.stderr.write('\nstopping (Ctrl-C again to quit at once)…\n');
        ac.abort();
      };
      process.on('SIGINT', onSigint);
      process.on('SIGTERM', onSigint);
      try {
        const summary = await runDemo({
          url: o.url, key, project: o.project, rate: o.rate, durationS: o.duration, backfillHours: o.backfill,
          backfillEvents: o.backfillEvents, seed: Math.floor(o.seed), users: Math.floor(o.users),
        }, process.stdout, ac.signal);
        if (summary.stoppedBy === 'error' || (summary.sent > 0 && summary.accepted === 0)) process.exitCode = 1;
      } finally {
        process.off('SIGINT', onSigint);
        process.off('SIGTERM', onSigint);
      }
    });
}

function number(flag: string, min: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < min) throw new InvalidArgumentError(`${flag} must be a number ≥ ${min}`);
    return n;
  };
}
