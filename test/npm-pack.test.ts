/**
 * Installable without the repository: `npm pack` of each package a user installs, installed with npm
 * into an empty folder (their own dependencies from the registry). The server starts with
 * `npx greenlight-server` on the embedded database, prints the first-run sign-in link and answers
 * /healthz and the dashboard; the SDK imports with its types under TypeScript's node16, nodenext and
 * bundler module resolution, and runs, under this Node and under Node 22 and 24 (installed by
 * .ci/install-node.sh; each is skipped with its reason printed when absent); the n8n package passes `n8n-node lint` as installed.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error a plain JavaScript build script without types
import { packServer } from '../apps/server/scripts/pack.mjs';
// @ts-expect-error a plain JavaScript build script without types
import { packClient } from '../packages/client/scripts/pack.mjs';
import { freePort, harness } from '@greenlight/server/testing';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../', import.meta.url));
const TSC = join(REPO, 'node_modules', '.bin', 'tsc');
/**
 * Node 22 and 24 binaries installed beside this Node by .ci/install-node.sh. Without one, its test is
 * skipped and says why: it never passes on the Node that runs the suite.
 */
const OTHER_NODES = (['22', '24'] as const).map((major) => {
  const bin = process.env[`GREENLIGHT_NODE_${major}_BIN`];
  const missing = !bin ? `GREENLIGHT_NODE_${major}_BIN is not set (.ci/install-node.sh ${major} installs it)` : !existsSync(bin) ? `${bin} does not exist` : undefined;
  if (missing) console.warn(`npm-pack: the packed SDK under Node ${major} is skipped: ${missing}`);
  return { major, bin: missing ? undefined : bin };
});
const N8N_PACKAGE = join(REPO, 'packages', 'n8n-nodes-greenlight');

async function emptyProject(name: string): Promise<string> {
  const dir = join(work, name);
  await run('mkdir', ['-p', dir]);
  await writeFile(join(dir, 'package.json'), `{"name":"try-${name}","private":true,"type":"module"}\n`);
  return dir;
}
const npmInstall = (cwd: string, args: string[]) => run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...args], { cwd, timeout: 110_000 });
let work: string;
/** The empty project the packed SDK was installed into, for the other Node release lines. */
let sdkApp: string | undefined;
let child: ChildProcess | undefined;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'gl-npm-'));
});
afterAll(async () => {
  if (child && child.exitCode === null && child.pid) {
    // npx starts the bin in a process group of its own: end the whole group.
    process.kill(-child.pid, 'SIGTERM');
    await new Promise((r) => child!.once('exit', r));
  }
  await rm(work, { recursive: true, force: true });
});

describe('npm packages', { timeout: 300_000 }, () => {
  it('greenlight-server: packed, installed into an empty folder, started with npx on the embedded database', async () => {
    const tarball = (await packServer(join(work, 'tarballs'))) as string;
    const pkg = JSON.parse((await run('tar', ['-xzOf', tarball, 'package/package.json'])).stdout) as Record<string, unknown>;
    expect(pkg).toMatchObject({ name: 'greenlight-server', engines: { node: '>=20.19' } });
    // One name per program: `greenlight` is the SDK package's command for automations.
    expect(pkg.bin).toEqual({ 'greenlight-server': 'bin/greenlight-server.mjs', 'greenlight-admin': 'bin/greenlight-admin.mjs' });
    expect(Object.keys(pkg.dependencies as object).filter((d) => d.startsWith('@greenlight/'))).toEqual([]);
    const listing = (await run('tar', ['-tzf', tarball])).stdout;
    for (const f of ['apps/server/dist/main.js', 'apps/server/src/storage/migrations/001_init.sql', 'apps/server/src/storage/functions/greenlight_decide.sql', 'apps/server/src/storage/pglite-worker.mjs', 'apps/web/dist/index.html']) {
      expect(listing).toContain(`package/${f}`);
    }
    expect(listing).not.toMatch(/\.ts\n/);

    const app = await emptyProject('server');
    await npmInstall(app, [tarball]);

    const port = await freePort();
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(PORT|HOST|DATABASE_URL|REDIS_URL|GREENLIGHT_|NODE_OPTIONS|VITEST|npm_)/.test(k)));
    child = spawn('npx', ['greenlight-server'], {
      cwd: app,
      env: { ...env, PORT: String(port), GREENLIGHT_DATA_DIR: join(work, 'data'), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const url = `http://127.0.0.1:${port}`;
    const until = Date.now() + 40_000;
    while (!/\/sign-in\/[A-Za-z0-9_-]{43}/.test(out)) {
      if (Date.now() > until || child.exitCode !== null) throw new Error(`no sign-in link from npx greenlight-server:\n${out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(out).toContain(`${url}/sign-in/`);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const signIn = await fetch(`${url}/sign-in`);
    expect(signIn.status).toBe(200);
    expect(await (await fetch(`${url}/greenlight.css`)).text()).not.toBe('');
    expect(await readFile(join(app, 'node_modules', 'greenlight-server', 'package.json'), 'utf8')).toContain('"greenlight-server"');
  });

  it('@greenlight/client: packed with the contract and triggers it imports, typed under node16, nodenext and bundler resolution', async () => {
    const tarballs = packClient(join(work, 'sdk-tarballs')) as string[];
    for (const t of tarballs) {
      const pkg = JSON.parse((await run('tar', ['-xzOf', t, 'package/package.json'])).stdout) as Record<string, unknown>;
      expect(pkg).toMatchObject({ exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } }, engines: { node: '>=20' } });
      expect(pkg.private).toBeUndefined();
      expect(JSON.stringify(pkg)).not.toContain('workspace:');
    }
    const sdk = JSON.parse((await run('tar', ['-xzOf', tarballs.at(-1)!, 'package/package.json'])).stdout) as { exports: Record<string, unknown> };
    expect(sdk.exports['./ai-sdk']).toEqual({ types: './dist/agents/ai-sdk.d.ts', default: './dist/agents/ai-sdk.js' });
    expect(sdk.exports['./openai-agents']).toEqual({ types: './dist/agents/openai-agents.d.ts', default: './dist/agents/openai-agents.js' });
    expect(sdk.exports['./claude-code']).toEqual({ types: './dist/agents/claude-code.d.ts', default: './dist/agents/claude-code.js' });
    const app = await emptyProject('sdk');
    await npmInstall(app, tarballs);
    sdkApp = app;
    await writeFile(
      join(app, 'use.mts'),
      [
        "import { Greenlight, RateLimitError, type Approval } from '@greenlight/client';",
        "const gl = new Greenlight({ baseUrl: 'http://127.0.0.1:1', apiKey: 'gk_x' });",
        'export const first = async (): Promise<Approval | undefined> => (await gl.approvals.list({ status: "pending" })).data[0];',
        '// @ts-expect-error baseUrl is required: the types are real, not `any`',
        'new Greenlight({});',
        "console.log(typeof gl.approvals.create, RateLimitError.name);",
      ].join('\n'),
    );
    const resolutions = [
      ['node16', 'node16'],
      ['nodenext', 'nodenext'],
      ['esnext', 'bundler'],
    ] as const;
    const checked = await Promise.all(
      resolutions.map(async ([moduleKind, resolution]) => {
        const tsconfig = { compilerOptions: { strict: true, noEmit: true, module: moduleKind, moduleResolution: resolution, target: 'es2022', types: [], skipLibCheck: false }, files: ['use.mts'] };
        await writeFile(join(app, `tsconfig.${resolution}.json`), JSON.stringify(tsconfig));
        return run(TSC, ['-p', `tsconfig.${resolution}.json`], { cwd: app }).then(
          () => `${resolution}: ok`,
          (err: { stdout?: string }) => `${resolution}: ${err.stdout ?? String(err)}`,
        );
      }),
    );
    expect(checked).toEqual(['node16: ok', 'nodenext: ok', 'bundler: ok']);
    // The adapters load without their frameworks installed: they import only the frameworks' types.
    await writeFile(
      join(app, 'run.mjs'),
      [
        "import { Greenlight, RateLimitError } from '@greenlight/client';",
        "import { greenlightToolApproval } from '@greenlight/client/ai-sdk';",
        "import { resolveInterruptions } from '@greenlight/client/openai-agents';",
        "console.log(typeof new Greenlight({ baseUrl: 'http://127.0.0.1:1', apiKey: 'gk_x' }).approvals.create, RateLimitError.name, typeof greenlightToolApproval, typeof resolveInterruptions);",
      ].join('\n'),
    );
    expect((await run(process.execPath, ['run.mjs'], { cwd: app })).stdout).toBe('function RateLimitError function function\n');
    // The automation command line, as npm linked it.
    const help = await run(join(app, 'node_modules', '.bin', 'greenlight'), ['--help'], { cwd: app });
    expect(help.stdout).toMatch(/^ {2}request +ask for an approval/m);
    const unset = await run(join(app, 'node_modules', '.bin', 'greenlight'), ['list'], { cwd: app, env: { PATH: process.env.PATH } }).catch((err: { code: number; stderr: string }) => err);
    expect(unset).toMatchObject({ code: 4, stderr: expect.stringContaining('set GREENLIGHT_URL and GREENLIGHT_API_KEY') });
    for (const command of ['run', 'execution', 'hook']) expect(help.stdout).toMatch(new RegExp(`^ {2}${command} +`, 'm'));
    // The Claude Code hook as installed: not set up, it still answers Claude Code, and denies.
    const hook = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn(join(app, 'node_modules', '.bin', 'greenlight'), ['hook', 'claude-code'], { cwd: app, env: { PATH: process.env.PATH } });
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.once('close', (code) => resolve({ code, stdout }));
      child.stdin.end(JSON.stringify({ session_id: 's', tool_name: 'Bash', tool_input: { command: 'ls' }, tool_use_id: 'toolu_1' }));
    });
    expect(hook.code).toBe(0);
    expect(JSON.parse(hook.stdout)).toMatchObject({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny' } });
    // The installed command against a real server, as a CI job runs it: exit codes from real decisions.
    const server = await harness.startTestServer();
    try {
      const seed = await harness.seedOrg(server.db, 'Packed CLI');
      const approverKey = (await seed.newKey({ name: 'approver' })).key;
      const greenlight = (args: string[]) =>
        run(join(app, 'node_modules', '.bin', 'greenlight'), args, { cwd: app, env: { PATH: process.env.PATH, GREENLIGHT_URL: server.url, GREENLIGHT_API_KEY: seed.key } }).then(
          (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
          (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
        );
      const pending = await greenlight(['request', '--title', 'Packed deploy', '--idempotency-key', 'packed-1', '--wait', '--timeout', '1s', '--json']);
      expect(pending.code, pending.stderr).toBe(3);
      const id = (JSON.parse(pending.stdout) as { approval: { id: string } }).approval.id;
      await server.http(approverKey).patch(`/api/v1/approvals/${id}`).send({ decision: 'approve', comment: 'go' }).expect(200);
      const again = await greenlight(['request', '--title', 'Packed deploy', '--idempotency-key', 'packed-1', '--wait', '--json']);
      expect(again.code, again.stderr).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({ outcome: 'approved', approval: { id, decision_comment: 'go' } });
      const other = JSON.parse((await greenlight(['request', '--title', 'Packed purge', '--json'])).stdout) as { id: string };
      await server.http(approverKey).patch(`/api/v1/approvals/${other.id}`).send({ decision: 'reject' }).expect(200);
      expect((await greenlight(['wait', other.id])).code).toBe(1);
    } finally {
      await server.stop();
    }
  });

  for (const { major, bin } of OTHER_NODES) {
    // What differs between Node release lines is what runs: the package's import, its adapters and its
    // command line. Its types do not: tsc gives the same answer on every Node, and the test above ran it.
    it.skipIf(!bin)(`@greenlight/client under Node ${major}: imported at run time, its adapters and its command line`, async () => {
      const node = bin!;
      expect((await run(node, ['--version'])).stdout).toMatch(new RegExp(`^v${major}\\.`));
      expect(sdkApp, 'the packed SDK was installed by the test above').toBeDefined();
      const app = sdkApp!;
      expect((await run(node, ['run.mjs'], { cwd: app })).stdout).toBe('function RateLimitError function function\n');
      const help = await run(node, [join(app, 'node_modules', '@greenlight', 'client', 'dist', 'cli', 'bin.js'), '--help'], { cwd: app });
      expect(help.stdout).toMatch(/^ {2}request +ask for an approval/m);
    });
  }

  it('n8n-nodes-greenlight: packed, installed, and `n8n-node lint` passes on the package as installed', async () => {
    const out = (await run('npm', ['pack', '--json', '--pack-destination', join(work, 'n8n-tarball')], { cwd: N8N_PACKAGE }).catch(async () => {
      await run('mkdir', ['-p', join(work, 'n8n-tarball')]);
      return run('npm', ['pack', '--json', '--pack-destination', join(work, 'n8n-tarball')], { cwd: N8N_PACKAGE });
    })).stdout;
    const tarball = join(work, 'n8n-tarball', (JSON.parse(out) as { filename: string }[])[0]!.filename);
    const pkg = JSON.parse((await run('tar', ['-xzOf', tarball, 'package/package.json'])).stdout) as { files: string[]; dependencies?: object; n8n: { nodes: string[] } };
    expect(pkg.dependencies).toBeUndefined();
    const listing = (await run('tar', ['-tzf', tarball])).stdout;
    for (const node of pkg.n8n.nodes) expect(listing).toContain(`package/${node}`);

    const app = await emptyProject('n8n');
    // n8n provides n8n-workflow to the nodes it loads: the peer dependency is not installed here.
    await npmInstall(app, ['--legacy-peer-deps', tarball]);
    const installed = join(app, 'node_modules', 'n8n-nodes-greenlight');
    // The linter and its rules come from this repository (n8n's strict mode wants its default config).
    await run('ln', ['-s', join(N8N_PACKAGE, 'node_modules'), join(installed, 'node_modules')]);
    await writeFile(join(installed, 'eslint.config.mjs'), "import { config } from '@n8n/node-cli/eslint';\n\nexport default config;\n");
    const lint = await run(join(installed, 'node_modules', '.bin', 'n8n-node'), ['lint'], { cwd: installed, timeout: 60_000 }).then(
      (r) => ({ code: 0, out: r.stdout + r.stderr }),
      (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: err.code ?? -1, out: `${err.stdout}${err.stderr}` }),
    );
    expect(lint.out).not.toMatch(/error/);
    expect(lint.code).toBe(0);
  });
});
