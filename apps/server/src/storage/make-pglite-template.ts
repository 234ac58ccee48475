/**
 * The build's last step (scripts/build.mjs runs it from the bundle, dist/pglite-template.js): makes the
 * embedded database's migrated template for these sources, unless it exists (pglite-template.ts).
 */
import { makeTemplate } from './pglite-template.ts';

const started = performance.now();
const { path, made } = await makeTemplate();
// stderr: the admin CLI's stdout carries its own output, and it may build first.
if (made) console.error(`Made the embedded database's template (${path}) in ${Math.round(performance.now() - started)} ms`);
