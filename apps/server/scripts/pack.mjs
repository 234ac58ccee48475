// `pnpm --filter @greenlight/server pack:npm [DEST]`: the server as an npm package, `greenlight-server`,
// installable without this repository (`npx greenlight-server`). The tarball holds the esbuild bundles
// (dist/main.js, dist/cli.js), the SQL the server applies at start (migrations and functions), the
// embedded database's worker and the dashboard's build; its dependencies are the npm packages the
// bundle leaves external (this package's own, minus the workspace packages bundled in).
//
// The bundle finds its files from its sources' locations (scripts/build.mjs), so the tarball keeps the
// repository's layout under apps/: apps/server/dist, apps/server/src/storage/…, apps/web/dist.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildServer, SERVER } from './build.mjs';

const REPO = join(SERVER, '..', '..');
const WEB = join(REPO, 'apps', 'web');

export async function packServer(dest) {
  await buildServer();
  execFileSync(process.execPath, [join(WEB, 'scripts', 'ensure-build.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });

  const own = JSON.parse(readFileSync(join(SERVER, 'package.json'), 'utf8'));
  const stage = mkdtempSync(join(tmpdir(), 'greenlight-server-pack-'));
  try {
    const put = (from, to, filter) => cpSync(from, join(stage, to), { recursive: true, filter });
    // The bundles and the chunks they import (scripts/build.mjs), without the embedded database's template.
    put(join(SERVER, 'dist'), 'apps/server/dist', (p) => !p.includes('pglite-template') && !p.endsWith('.map') && !p.endsWith('build-info.json'));
    put(join(SERVER, 'src', 'storage', 'migrations'), 'apps/server/src/storage/migrations', (p) => !p.endsWith('.ts'));
    put(join(SERVER, 'src', 'storage', 'functions'), 'apps/server/src/storage/functions', (p) => !p.endsWith('.ts'));
    put(join(SERVER, 'src', 'storage', 'pglite-worker.mjs'), 'apps/server/src/storage/pglite-worker.mjs');
    put(join(WEB, 'dist'), 'apps/web/dist');
    put(join(WEB, 'public'), 'apps/web/public');
    put(join(REPO, 'README.md'), 'README.md');
    mkdirSync(join(stage, 'bin'));
    // npm links bins as they are: each needs its shebang. The start script's heap options (package.json)
    // do not reach an imported bundle; they are a tuning, not a requirement.
    for (const [name, target] of [['greenlight-server.mjs', 'main.js'], ['greenlight-admin.mjs', 'cli.js']]) {
      writeFileSync(join(stage, 'bin', name), `#!/usr/bin/env node\nimport '../apps/server/dist/${target}';\n`);
      chmodSync(join(stage, 'bin', name), 0o755);
    }
    const dependencies = Object.fromEntries(Object.entries(own.dependencies).filter(([name]) => !name.startsWith('@greenlight/')));
    const pkg = {
      name: 'greenlight-server',
      version: own.version,
      description: 'Greenlight, the human-approval gateway for automations: API, dashboard, delivery workers and the admin CLI, on an embedded database or PostgreSQL.',
      license: 'MIT',
      type: 'module',
      bin: { 'greenlight-server': 'bin/greenlight-server.mjs', 'greenlight-admin': 'bin/greenlight-admin.mjs' },
      files: ['bin', 'apps', 'README.md'],
      engines: { node: '>=20.19' },
      dependencies,
    };
    writeFileSync(join(stage, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
    mkdirSync(dest, { recursive: true });
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', resolve(dest)], { cwd: stage, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const [{ filename }] = JSON.parse(out);
    return join(resolve(dest), filename);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(SERVER, 'scripts', 'pack.mjs')) {
  const file = await packServer(process.argv[2] ?? join(SERVER, 'pack'));
  console.log(file);
}
