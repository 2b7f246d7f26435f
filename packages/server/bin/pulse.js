#!/usr/bin/env node
// The `pulse` command. A committed shim (not dist/) so npm can link it at install time, before the build.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (!existsSync(main)) {
  process.stderr.write('pulse: not built yet — run `npm run build` (or `npm start`) in the repository first\n');
  process.exit(1);
}
await import(main);
