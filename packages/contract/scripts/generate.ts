// Writes packages/contract/openapi.json and docs/api.md's API table from the route table. CI runs it and fails on a diff.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildOpenApiDocument } from '../src/openapi.ts';
import { withAuthorizationTable } from '../src/readme-table.ts';

const target = fileURLToPath(new URL('../openapi.json', import.meta.url));
writeFileSync(target, JSON.stringify(buildOpenApiDocument(), null, 2) + '\n');
console.log(`wrote ${target}`);

const readme = fileURLToPath(new URL('../../../docs/api.md', import.meta.url));
writeFileSync(readme, withAuthorizationTable(readFileSync(readme, 'utf8')));
console.log(`wrote the API table of ${readme}`);
