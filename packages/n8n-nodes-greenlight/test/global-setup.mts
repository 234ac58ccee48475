/**
 * Vitest global setup of the `n8n` and `e2e` projects: the n8n tests load the BUILT n8n package (what n8n
 * loads), so `pnpm test` builds it first when its dist is missing or older than any of its sources.
 * Up to date, this costs one walk over a few dozen files.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PACKAGE = join(ROOT, 'packages/n8n-nodes-greenlight');
const SOURCES = ['nodes', 'credentials', 'package.json', 'tsconfig.json'];

function files(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).flatMap((name) => files(join(path, name)));
}

export function n8nPackageIsStale(): boolean {
  const built = files(join(PACKAGE, 'dist')).filter((f) => f.endsWith('.js'));
  if (built.length === 0) return true;
  const oldestBuilt = Math.min(...built.map((f) => statSync(f).mtimeMs));
  const newestSource = Math.max(...SOURCES.flatMap((s) => files(join(PACKAGE, s))).map((f) => statSync(f).mtimeMs));
  return newestSource > oldestBuilt;
}

export default function setup(): void {
  if (!n8nPackageIsStale()) return;
  const started = Date.now();
  execFileSync('pnpm', ['--filter', 'n8n-nodes-greenlight', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  console.log(`built packages/n8n-nodes-greenlight in ${Date.now() - started} ms (its dist was missing or older than its sources)`);
}
