import { resolve } from 'node:path';
import { Command } from 'commander';
import { ConfigError, loadConfig } from '../config/load.js';
import { configureChannels } from '../alerts/delivery/channel-config.js';
import { checkDeliveryConfig } from '../alerts/delivery/setup.js';
import { ruleFiles } from '../alerts/setup.js';
import { envRules } from '../alerts/rules/env-rules.js';
import { notifyProblem } from '../alerts/rules/notify-check.js';
import { formatRulesErrors, readRulesFile } from '../alerts/rules/rules-file.js';
import { ruleToJson } from '../alerts/rules/to-json.js';

/**
 * `pulse check [--rules FILE]`: validates the configuration (env, .env, PULSE_CONFIG: settings, channels, routes) and
 * the alert rules — the file given, or else those of PULSE_CONFIG and PULSE_RULES — including that every `notify`
 * entry of a rule or a report is an address, a URL or a configured channel. Every error is printed as `file:line:column: path: message`;
 * the exit status is 1 when there is one.
 */
export function checkCommand(): Command {
  return new Command('check')
    .description('validate the configuration and alert rules (exit 1 on any error)')
    .option('--rules <file>', 'a rules file to check (YAML with an `alerts:` list)')
    .option('--json', 'print the normalised rules as JSON')
    .action((o: { rules?: string; json?: boolean }) => {
      // A bad setting is a ConfigError: main prints it and exits 1.
      const config = loadConfig({ env: { ...process.env } });
      const delivery = checkDeliveryConfig(config);
      if (delivery !== null) throw new ConfigError(delivery);
      const channels = [...configureChannels(config.alerts, { fetch: globalThis.fetch, clock: { now: () => Date.now() } }).channels.keys()];
      const files = o.rules !== undefined ? [o.rules] : ruleFiles(config);
      const all: unknown[] = o.rules !== undefined ? [] : envRules(config.alerts).map(ruleToJson);
      let failed = false;
      for (const file of files) {
        let result;
        try {
          result = readRulesFile(resolve(file), 'default', (entry) => notifyProblem(entry, channels));
        } catch (err) {
          throw new ConfigError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
        }
        if (result.errors.length > 0) {
          failed = true;
          process.stderr.write(`${formatRulesErrors(file, result.errors)}\n`);
        }
        all.push(...result.rules.map(ruleToJson));
      }
      // Reports name their recipients as rules do: a name that is no configured channel fails only when it is sent.
      config.reports.forEach((report, i) => {
        for (const entry of report.notify) {
          const problem = notifyProblem(entry, channels);
          if (problem === null) continue;
          failed = true;
          process.stderr.write(`${config.configFile ?? 'PULSE_CONFIG'}: reports[${i}] (${report.name}): notify ${problem}\n`);
        }
      });
      if (failed) {
        process.exitCode = 1;
        return;
      }
      if (o.json) process.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
      else process.stdout.write(`ok: ${all.length} alert rule(s)${files.length ? ` (${files.join(', ')})` : ''}${channels.length ? `; channels: ${channels.join(', ')}` : ''}\n`);
    });
}
