/**
 * Writes the Make app (packages/make: makecomapp.json, general/, connections/, webhooks/, modules/,
 * rpcs/) from src/app, which takes its fields, interfaces, samples and event types from
 * @greenlight/triggers and the contract. Run by `pnpm generate`; CI fails when the committed files differ.
 */
import { writeApp } from '../src/app/write.ts';

const changed = writeApp();
console.log(changed.length ? `make: ${changed.length} file(s) written\n  ${changed.join('\n  ')}` : 'make: up to date');
