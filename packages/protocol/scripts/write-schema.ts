/** Regenerates event.schema.json from EVENT_JSON_SCHEMA: `npm run schema -w @pulse/protocol`. */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { eventJsonSchemaText } from '../src/schema.js';

const target = fileURLToPath(new URL('../event.schema.json', import.meta.url));
writeFileSync(target, eventJsonSchemaText());
console.log(`wrote ${target}`);
