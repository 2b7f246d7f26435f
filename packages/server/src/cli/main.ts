#!/usr/bin/env node
import { Command } from 'commander';
import { ConfigError } from '../config/load.js';
import { checkCommand } from './check.js';
import { backupCommand } from './backup.js';
import { demoCommand } from './demo/index.js';
import { eventsCommand } from './events.js';
import { exportCommand } from './export.js';
import { keysCommand } from './keys.js';
import { metaCommand } from './meta.js';
import { serveCommand } from './serve.js';
import { topCommand } from './top/top-command.js';

// `pulse top | head`, `pulse demo | head -3`: the reader went away. End quietly, as Unix tools do, instead of an
// unhandled 'error' event with a stack trace. Not for the server (`serve`, the default command): exiting 0 there
// would tell a supervisor that it stopped on purpose, so it keeps failing loudly and gets restarted.
const command = process.argv[2];
if (command !== undefined && command !== 'serve' && !command.startsWith('-')) {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
      throw err;
    });
  }
}

const program = new Command('pulse')
  .description('Pulse — analytics and monitoring for LLM apps and chat bots')
  .showHelpAfterError();
program.addCommand(serveCommand(), { isDefault: true });
program.addCommand(keysCommand());
program.addCommand(metaCommand());
program.addCommand(eventsCommand());
program.addCommand(demoCommand());
program.addCommand(topCommand());
program.addCommand(exportCommand());
program.addCommand(checkCommand());
program.addCommand(backupCommand());

// `serve` is the default command, so Commander would take a mistyped command (`pulse exprot …`) for its arguments
// and answer about those; name it instead.
const first = process.argv[2];
const commands = program.commands.map((c) => c.name());
if (first !== undefined && !first.startsWith('-') && first !== 'help' && !commands.includes(first)) {
  program.error(`error: unknown command '${first}' (commands: ${commands.join(', ')}; pulse --help)`);
}

program.parseAsync(process.argv).catch((err: unknown) => {
  const msg = err instanceof ConfigError ? `configuration: ${err.message}` : err instanceof Error ? err.message : String(err);
  process.stderr.write(`pulse: ${msg}\n`);
  process.exit(1);
});
