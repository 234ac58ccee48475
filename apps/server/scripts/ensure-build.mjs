// `pnpm start` and `pnpm greenlight-admin` run this first: it rebuilds dist/ (scripts/build.mjs) when a bundle
// is missing or older than any file it was built from, so a fresh clone, or a checkout with edited
// sources, never runs stale JavaScript. Up to date, it costs a few milliseconds of stat calls.
// Messages go to stderr: the CLI's stdout is for its own output (one JSON line with --json).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SERVER = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(SERVER, 'dist');
const BUILD_INFO = join(DIST, 'build-info.json');

/** Why dist/ must be rebuilt, or null when it is up to date. */
export function staleReason() {
  if (!existsSync(BUILD_INFO)) return 'no build yet';
  let inputs, outputs;
  try {
    ({ inputs, outputs } = JSON.parse(readFileSync(BUILD_INFO, 'utf8')));
  } catch {
    return 'unreadable build-info.json';
  }
  // What the build wrote: the bundles and the chunks they import. One missing is a build to make again
  // (an older build's record names none, so it is made again too).
  if (!Array.isArray(outputs)) return 'build-info.json names no outputs';
  for (const file of outputs) if (!existsSync(join(SERVER, file))) return `${file} is gone`;
  const builtAt = statSync(BUILD_INFO).mtimeMs;
  // The build's own settings and the dependency list (checked by the build) count as inputs too.
  const files = [...inputs, 'scripts/build.mjs', 'package.json'];
  for (const file of files) {
    const path = join(SERVER, file);
    if (!existsSync(path)) return `${file} is gone`;
    if (statSync(path).mtimeMs > builtAt) return `${file} changed`;
  }
  return null;
}

export async function ensureBuild() {
  const reason = staleReason();
  if (reason === null) return false;
  console.error(`Building the server (apps/server/dist: ${reason})…`);
  // Imported only when needed: an up-to-date start does not load esbuild.
  const { buildServer } = await import('./build.mjs');
  const { ms } = await buildServer();
  console.error(`Built in ${ms} ms.`);
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await ensureBuild();
