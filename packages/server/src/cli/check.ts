import { resolve } from 'node:path';
import { Command } from 'commander';
import { ConfigError, loadConfig } from '../config/load.js';
import { envRules } from '../alerts/rules/env-rules.js';
import { formatRulesErrors, readRulesFile } from '../alerts/rules/rules-file.js';
import { ruleToJson } from '../alerts/rules/to-json.js';

/**
 * `pulse check [--rules FILE]`: validates the configuration (env, .env, PULSE_CONFIG) and the alert rules — the file
 * given, or else those of PULSE_CONFIG and PULSE_RULES — printing every error as `file:line:column: path: message`
 * and exiting non-zero when there is one.
 */
export function checkCommand(): Command {
  return new Command('check')
    .description('validate the configuration and alert rules (exit 1 on any error)')
    .option('--rules <file>', 'a rules file to check (YAML with an `alerts:` list)')
    .option('--json', 'print the normalised rules as JSON')
    .action((o: { rules?: string; json?: boolean }) => {
      const env = { ...process.env };
      const files: string[] = [];
      let ruleCount = 0;
      const all: unknown[] = [];
      let failed = false;
      if (o.rules === undefined) {
        // Without --rules, the whole configuration is checked: a ConfigError propagates to main's handler (exit 1).
        const config = loadConfig({ env });
        const fromEnv = envRules(config.alerts);
        ruleCount += fromEnv.length;
        all.push(...fromEnv.map(ruleToJson));
        for (const f of [config.configFile, config.alerts.rulesFile]) if (f) files.push(f);
      } else files.push(o.rules);
      for (const file of files) {
        const path = resolve(file);
        let result;
        try {
          result = readRulesFile(path);
        } catch (err) {
          throw new ConfigError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
        }
        if (result.errors.length > 0) {
          failed = true;
          process.stderr.write(`${formatRulesErrors(file, result.errors)}\n`);
        }
        ruleCount += result.rules.length;
        all.push(...result.rules.map(ruleToJson));
      }
      if (failed) {
        process.exitCode = 1;
        return;
      }
      if (o.json) process.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
      else process.stdout.write(`ok: ${ruleCount} alert rule(s)${files.length ? ` (${files.join(', ')})` : ''}\n`);
    });
}
