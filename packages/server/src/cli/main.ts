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

program.parseAsync(process.argv).catch((err: unknown) => {
  const msg = err instanceof ConfigError ? `configuration: ${err.message}` : err instanceof Error ? err.message : String(err);
  process.stderr.write(`pulse: ${msg}\n`);
  process.exit(1);
});
