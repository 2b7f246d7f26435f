import { Command } from 'commander';
import { readDotenv } from '../../config/load.js';
import { runTop } from './run-top.js';

/** `pulse top`: the live terminal view of `/ws/metrics`. */
export function topCommand(): Command {
  // A CLI entry point: the one place that reads the environment (and .env, as `pulse serve` does).
  const env = { ...readDotenv(process.cwd()), ...process.env };
  const defaultUrl = env.PULSE_URL || `http://127.0.0.1:${env.ANALYTICS_PORT || '8000'}`;
  return new Command('top')
    .description('live terminal view of the key metrics (q or Ctrl-C quits)')
    .option('--url <url>', 'Pulse server URL (PULSE_URL)', defaultUrl)
    .option('--key <key>', 'API key with the read scope (default PULSE_API_KEY or ANALYTICS_API_KEY)')
    .option('--project <project>', 'project to show (an admin key may name any; default: the key\'s project)')
    .option('--no-color', 'no colours (also NO_COLOR, or when stdout is not a terminal)')
    .action(async (o: { url: string; key?: string; project?: string; color: boolean }) => {
      const key = o.key ?? (env.PULSE_API_KEY || env.ANALYTICS_API_KEY || undefined);
      const color = o.color && !env.NO_COLOR && process.stdout.isTTY === true;
      const code = await runTop({ url: o.url, key, project: o.project, color }, { stdout: process.stdout, stdin: process.stdin, stderr: process.stderr });
      process.exitCode = code;
      // Everything is closed; this only guards against a handle that would keep the process alive.
      setTimeout(() => process.exit(code), 500).unref();
    });
}
