#!/usr/bin/env -S node --heap-growing-percent=50
// The `pulse` command. A committed shim (not dist/) so npm can link it at install time, before the build.
// The V8 flag is the one `npm start` passes (package.json, docs/configuration.md "Memory"): V8 otherwise lets the
// heap grow to several times its live size between full collections under ingest.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (!existsSync(main)) {
  process.stderr.write('pulse: not built yet — run `npm run build` (or `npm start`) in the repository first\n');
  process.exit(1);
}
await import(main);
