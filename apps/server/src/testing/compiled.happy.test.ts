/**
 * The compiled bundle that `pnpm start` and `pnpm greenlight-admin` run (apps/server/dist, built by
 * scripts/build.mjs when missing or stale), not the TypeScript sources the rest of the suite loads
 * through tsx. What the bundle can get wrong is what it finds at run time: npm packages that must
 * resolve from dist/ (a contract dependency this package forgot), and files located from a module's
 * own URL (SQL migrations, Swagger UI's folder, the dashboard's stylesheet). On the server:postgres
 * project the server runs against a fresh Postgres database through DATABASE_URL.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, openTestDatabase, TEST_DATABASE_URL, type TestDatabase } from './harness.ts';
import { cleanEnv, COMPILED_CLI, ensureCompiled, SERVER_DIR, spawnServer, type SpawnedServer } from './spawn-server.ts';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(env: Record<string, string>, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [COMPILED_CLI, ...args], { cwd: SERVER_DIR, env: { ...cleanEnv(), LOG_LEVEL: 'silent', ...env }, timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

let dataDir: string;
let postgres: TestDatabase | undefined;
let storage: Record<string, string>;
let server: SpawnedServer | undefined;

beforeAll(async () => {
  ensureCompiled();
  dataDir = mkdtempSync(join(tmpdir(), 'greenlight-compiled-'));
  storage = { GREENLIGHT_DATA_DIR: dataDir };
  if (TEST_DATABASE_URL) {
    postgres = await openTestDatabase();
    storage.DATABASE_URL = postgres.url!;
  }
  // A fresh checkout builds here, the embedded database's template included (creating a cluster: several seconds on a busy machine).
}, 180_000);
afterAll(async () => {
  await server?.kill();
  await postgres?.drop();
  rmSync(dataDir, { recursive: true, force: true });
}, 30_000);

describe('the compiled server and CLI (apps/server/dist)', () => {
  it('dist/cli.js answers --help without a database', async () => {
    const run = await cli({ GREENLIGHT_DATA_DIR: join(dataDir, 'unused') }, '--help');
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^Usage: greenlight-admin /);
    expect(run.stdout).toContain('connection');
  });

  it(`dist/main.js starts on a fresh ${TEST_DATABASE_URL ? 'Postgres database' : 'data directory'}, runs its migrations, answers /readyz, serves its files, and takes a request from a key the CLI made`, async () => {
    server = await spawnServer(storage, { compiled: true });
    expect(await (await fetch(`${server.url}/readyz`)).json()).toMatchObject({ status: 'ready', database: TEST_DATABASE_URL ? 'postgres' : 'pglite' });
    // The first-run org exists, so every migration ran.
    await expect.poll(() => server!.output().stdout, { timeout: 10_000 }).toContain('First run: org "default" created');

    // The OpenAPI document (contract bundled in, zod-to-openapi from node_modules), Swagger UI's
    // folder (found through createRequire) and the stylesheet (found relative to the web app).
    const openapi = await fetch(`${server.url}/api/v1/openapi.json`);
    expect(openapi.status).toBe(200);
    expect(await openapi.json()).toMatchObject({ openapi: expect.stringMatching(/^3\./) });
    const swagger = await fetch(`${server.url}/docs/assets/swagger-ui.css`);
    expect(swagger.status).toBe(200);
    expect(await swagger.text()).toContain('.swagger-ui');
    const css = await fetch(`${server.url}/greenlight.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);

    // On PGlite the CLI reaches the running server through its admin socket; on Postgres it connects itself.
    const created = await cli(storage, 'connection', 'create', '--org', 'default', '--name', 'compiled', '--json');
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const { api_key: key } = JSON.parse(created.stdout) as { api_key: string };
    const res = await fetch(`${server.url}/api/v1/approvals`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(approvalBody({ title: 'From the bundle' })),
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ title: 'From the bundle', status: 'pending' });

    // The MCP endpoint's SDK and tools are a chunk of their own, loaded by the first call to /mcp:
    // the SDK's bearer check answers from it, as the MCP authorization specification asks.
    const mcp = await fetch(`${server.url}/mcp`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(mcp.status).toBe(401);
    expect(mcp.headers.get('www-authenticate')).toMatch(/^Bearer .*resource_metadata="[^"]+\/\.well-known\/oauth-protected-resource\/mcp"/);

    // Cedar's WebAssembly (an external package that reads its .wasm beside itself) loads from the
    // bundle: the server loads it with the first set that has a policy, and on Postgres such a set decides.
    const schema = await fetch(`${server.url}/api/v1/policies/schema`, { headers: { Authorization: `Bearer ${key}` } });
    expect(schema.status).toBe(200);
    if (postgres) {
      await postgres.db.query(
        `INSERT INTO policy_sets (org_id, version, source, never_without_person, updated_by_type)
         SELECT id, 1, $1, '{"priorities":["critical"],"action_types":[]}', 'system' FROM orgs WHERE slug = 'default'`,
        ['@id("bundle")\npermit (principal, action, resource) when { resource has action_type && resource.action_type == "bundle.test" };'],
      );
      // As another replica announces a change: the server drops the set it cached at the first create.
      await postgres.db.query(`SELECT pg_notify('greenlight_policies', id::text) FROM orgs WHERE slug = 'default'`);
      const create = async () =>
        (await (
          await fetch(`${server!.url}/api/v1/approvals`, {
            method: 'POST',
            headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
            body: JSON.stringify(approvalBody({ title: 'Decided in the bundle', action_type: 'bundle.test', priority: 'low' })),
          })
        ).json()) as { status: string; decided_by_policy: { id: string } | null };
      await expect.poll(async () => (await create()).decided_by_policy?.id, { timeout: 10_000 }).toBe('bundle');
    }

    await server.stop();
    expect(await server.exited).toEqual({ code: 0, signal: null });
  }, 60_000);
});
