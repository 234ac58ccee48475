// `pnpm typecheck`: every workspace package's own `typecheck`, with one saving. Most packages check
// with the base options alone (a tsconfig.json that only extends tsconfig.base.json and says what to
// include), and most of them import the server's sources (its testing harness): checked one package
// at a time, the server's 2,500 files were checked six times over, three minutes of a CI run. Those
// packages are checked here as one program, over the union of what their own tsconfig.json includes,
// with exactly their options, so each file is checked once. A package with options of its own (the
// dashboard's DOM and JSX, the n8n package's CommonJS) runs its own script beside it.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { root, workspacePackages } from './workspace.mjs';

const BASE_SCRIPT = 'tsc -p tsconfig.json';

const shared = [];
const ownScripts = [];
for (const dir of workspacePackages()) {
  const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
  const script = pkg.scripts?.typecheck;
  if (!script) continue;
  const tsconfig = existsSync(join(root, dir, 'tsconfig.json')) ? JSON.parse(readFileSync(join(root, dir, 'tsconfig.json'), 'utf8')) : null;
  const baseOnly =
    script === BASE_SCRIPT &&
    tsconfig !== null &&
    Object.keys(tsconfig).every((k) => k === 'extends' || k === 'include') &&
    join(dir, tsconfig.extends) === 'tsconfig.base.json';
  if (baseOnly) shared.push(...tsconfig.include.map((p) => join(dir, p)));
  else ownScripts.push(pkg.name);
}

// Under node_modules/.cache: generated for this run, never committed; its paths are relative to it.
const cache = join(root, 'node_modules', '.cache', 'typecheck');
mkdirSync(cache, { recursive: true });
const config = join(cache, 'tsconfig.json');
const rel = (p) => relative(cache, join(root, p));
writeFileSync(config, JSON.stringify({ extends: rel('tsconfig.base.json'), include: shared.map(rel) }, null, 2));

const run = (command, args) =>
  new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit' });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });

const tsc = join(root, 'node_modules', '.bin', 'tsc');
console.log(`typecheck: one program for ${shared.length} folders; ${ownScripts.join(', ')} by their own scripts`);
const codes = await Promise.all([
  run(tsc, ['-p', config]),
  ...(ownScripts.length ? [run('pnpm', ['--parallel', ...ownScripts.flatMap((n) => ['--filter', n]), 'typecheck'])] : []),
]);
process.exit(codes.some((c) => c !== 0) ? 1 : 0);
