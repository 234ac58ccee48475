/**
 * Vitest global setup of the `n8n` and `e2e` projects: the n8n tests load the BUILT n8n package (what n8n
 * loads), so `pnpm test` builds it first when its dist is missing or older than any of its sources
 * or than the trigger layer its build copies in.
 * Up to date, this costs one walk over a few dozen files.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PACKAGE = join(ROOT, 'packages/n8n-nodes-greenlight');
const SOURCES = ['nodes', 'credentials', 'package.json', 'tsconfig.json'].map((s) => join(PACKAGE, s));
/** The build copies the trigger layer and the contract's types in (scripts/generate.mjs): their changes count too. */
const COPIED_FROM = [join(ROOT, 'packages/triggers/src'), join(ROOT, 'packages/contract/openapi.json')];

function files(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).flatMap((name) => files(join(path, name)));
}

export function n8nPackageIsStale(): boolean {
  const built = files(join(PACKAGE, 'dist')).filter((f) => f.endsWith('.js'));
  if (built.length === 0) return true;
  const oldestBuilt = Math.min(...built.map((f) => statSync(f).mtimeMs));
  const sources = [...SOURCES, ...COPIED_FROM].flatMap((s) => files(s)).filter(
    // The copy itself is rewritten by every generate and typecheck; what it is copied from counts.
    (f) => !f.endsWith('.test.ts') && !f.includes('/nodes/shared/generated/'),
  );
  const newestSource = Math.max(...sources.map((f) => statSync(f).mtimeMs));
  return newestSource > oldestBuilt;
}

export default function setup(): void {
  if (!n8nPackageIsStale()) return;
  const started = Date.now();
  execFileSync('pnpm', ['--filter', 'n8n-nodes-greenlight', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  console.log(`built packages/n8n-nodes-greenlight in ${Date.now() - started} ms (its dist was missing or older than its sources)`);
}
