// `pnpm lint` runs this after ESLint: no import cycle in any package of the workspace, type-only
// imports included (a cycle of types is a cycle of the design even when the bundle drops it). dpdm
// reads every source file of every package, tests and generated files too, and follows imports
// across packages. Exits 1 naming each cycle.
import { join, relative } from 'node:path';
import { parseCircular, parseDependencyTree, prettyCircular } from 'dpdm';
import { root, workspacePackages } from './workspace.mjs';

const packages = workspacePackages();
const entries = packages.map((p) => `${p}/**/*.{ts,tsx,mts}`);

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
