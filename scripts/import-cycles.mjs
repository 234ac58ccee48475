// `pnpm lint` runs this after ESLint: no import cycle in any package of the workspace, type-only
// imports included (a cycle of types is a cycle of the design even when the bundle drops it). dpdm
// reads every source file of every package, tests and generated files too, and follows imports
// across packages. Exits 1 naming each cycle.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCircular, parseDependencyTree, prettyCircular } from 'dpdm';

const root = fileURLToPath(new URL('..', import.meta.url));
const workspaces = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8')
  .split('\n')
  .map((line) => /^\s+-\s+(\S+)\s*$/.exec(line)?.[1])
  .filter((p) => p !== undefined);
const packages = workspaces.flatMap((pattern) =>
  pattern.endsWith('/*')
    ? readdirSync(join(root, pattern.slice(0, -2)), { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => join(pattern.slice(0, -2), d.name))
    : [pattern],
);
const entries = packages
  .filter((p) => existsSync(join(root, p, 'package.json')))
  .map((p) => `${p}/**/*.{ts,tsx,mts}`);

const tree = await parseDependencyTree(entries, {
  context: root,
  cwd: root,
  transform: false,
  exclude: /node_modules|\/dist\//,
  tsconfig: join(root, 'tsconfig.base.json'),
});
const cycles = parseCircular(tree);
if (cycles.length > 0) {
  console.error(`Import cycles (type imports included):\n${prettyCircular(cycles)}`);
  process.exit(1);
}
console.log(`no import cycle in ${Object.keys(tree).filter((f) => !f.includes('node_modules')).length} files of ${packages.length} packages (${relative(process.cwd(), root) || '.'})`);
