// `pnpm --filter @greenlight/client pack:npm [DEST]`: the SDK as npm packages. `@greenlight/client`
// imports `@greenlight/contract` (schemas, route table) and `@greenlight/triggers` (outcomes, webhook
// verification) at run time, so all three are packed, each compiled by tsc to JavaScript with its
// declarations (`.ts` import specifiers rewritten to `.js`), its workspace dependencies pinned to the
// version packed beside it. Each package's `exports` names its types first, for every TypeScript
// module resolution (node16/nodenext and bundler).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGES = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TSC = join(PACKAGES, '..', 'node_modules', '.bin', 'tsc');
const SDK_PACKAGES = ['contract', 'triggers', 'client'];

function packOne(dir, dest) {
  const src = join(PACKAGES, dir);
  const own = JSON.parse(readFileSync(join(src, 'package.json'), 'utf8'));
  const stage = mkdtempSync(join(tmpdir(), `greenlight-${dir}-pack-`));
  try {
    const tsconfig = join(stage, 'tsconfig.json');
    writeFileSync(
      tsconfig,
      JSON.stringify({
        extends: join(PACKAGES, '..', 'tsconfig.base.json'),
        compilerOptions: {
          noEmit: false,
          declaration: true,
          rewriteRelativeImportExtensions: true,
          rootDir: join(src, 'src'),
          outDir: join(stage, 'dist'),
          types: ['node'],
          typeRoots: [join(PACKAGES, '..', 'node_modules', '@types')],
        },
        include: [join(src, 'src')],
        exclude: [join(src, 'src', '**', '*.test.ts')],
      }),
    );
    execFileSync(TSC, ['-p', tsconfig], { cwd: src, stdio: 'inherit' });
    rmSync(tsconfig);
    if (own.exports['./openapi.json']) cpSync(join(src, 'openapi.json'), join(stage, 'openapi.json'));
    try {
      cpSync(join(src, 'README.md'), join(stage, 'README.md'));
    } catch {
      // no README of its own
    }
    const pin = (deps = {}) => Object.fromEntries(Object.entries(deps).map(([name, v]) => [name, String(v).startsWith('workspace:') ? own.version : v]));
    // A workspace package among the devDependencies (the triggers' contract) is imported for its types,
    // which the published declarations name: a dependency of the published package.
    const workspaceDev = Object.fromEntries(Object.entries(own.devDependencies ?? {}).filter(([, v]) => String(v).startsWith('workspace:')));
    const dependencies = pin({ ...workspaceDev, ...own.dependencies });
    const pkg = {
      name: own.name,
      version: own.version,
      description: own.description,
      license: 'MIT',
      type: 'module',
      // Each TypeScript entry of the workspace's exports (`./src/x.ts`) as its compiled `./dist/x.js`
      // with declarations; other files as they are.
      exports: Object.fromEntries(
        Object.entries(own.exports).map(([entry, file]) => {
          if (!file.endsWith('.ts')) return [entry, file];
          const dist = file.replace(/^\.\/src\//, './dist/').replace(/\.ts$/, '');
          return [entry, { types: `${dist}.d.ts`, default: `${dist}.js` }];
        }),
      ),
      types: './dist/index.d.ts',
      // The automation command line (`npx @greenlight/client request …`); tsc keeps the bin's shebang.
      ...(dir === 'client' ? { bin: { greenlight: './dist/cli/bin.js' } } : {}),
      files: ['dist', ...(own.exports['./openapi.json'] ? ['openapi.json'] : []), 'README.md'],
      engines: { node: '>=20' },
      ...(Object.keys(dependencies).length ? { dependencies } : {}),
      // Optional framework packages an entry point (the agent adapters) imports types from.
      ...(own.peerDependencies ? { peerDependencies: own.peerDependencies, peerDependenciesMeta: own.peerDependenciesMeta } : {}),
    };
    writeFileSync(join(stage, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', resolve(dest)], { cwd: stage, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return join(resolve(dest), JSON.parse(out)[0].filename);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** Packs the SDK and the two packages it depends on; returns the tarballs, the SDK's last. */
export function packClient(dest) {
  mkdirSync(dest, { recursive: true });
  return SDK_PACKAGES.map((dir) => packOne(dir, dest));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const file of packClient(process.argv[2] ?? join(PACKAGES, 'client', 'pack'))) console.log(file);
}
