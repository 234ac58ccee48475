/**
 * The built package inside a REAL n8n (2.8.4, the newest that runs on Node 20): a workflow that
 * creates, comments on and reads an approval request through the Greenlight node, against a real
 * Greenlight server, run with `n8n import:credentials` + `n8n import:workflow` + `n8n execute --id`.
 *
 * Skipped unless GREENLIGHT_N8N_BIN points at the n8n binary: .ci/run installs n8n outside the
 * workspace (packages/n8n-nodes-greenlight/scripts/install-n8n.sh) and sets it.
 */
import { spawn } from 'node:child_process';
import { closeSync, cpSync, mkdirSync, openSync, readFileSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness } from '@greenlight/server';
import { freePort } from '../apps/server/src/testing/spawn-server.ts';
import { loadBuilt, PACKAGE_DIR } from './n8n-context.ts';

const N8N_BIN = process.env.GREENLIGHT_N8N_BIN;

/**
 * Runs one n8n command. Its stdout goes to a file: n8n exits right after printing, and output
 * still queued on a pipe (an execution's JSON is long) would be cut off.
 */
function run(bin: string, args: string[], env: Record<string, string>, timeoutMs = 180_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const outFile = join(env.HOME!, `stdout-${randomUUID()}.txt`);
  const fd = openSync(outFile, 'w');
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env, stdio: ['ignore', fd, 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`n8n ${args[0]} did not finish within ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      closeSync(fd);
      resolve({ code, stdout: readFileSync(outFile, 'utf8'), stderr });
    });
  });
}

describe.skipIf(!N8N_BIN)('the built package in a real n8n', () => {
  let server: harness.TestServer;
  let home: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    loadBuilt('nodes/Greenlight/Greenlight.node.js'); // fails early with a clear message when not built
    server = await harness.startTestServer();
    home = mkdtempSync(join(tmpdir(), 'greenlight-n8n-'));
    // n8n requires each custom node file by its path, so `require('n8n-workflow')` in the package
    // resolves upwards from it: link n8n's own copy there (a peer dependency is the host's).
    const n8nPackage = realpathSync(join(dirname(realpathSync(N8N_BIN!)), '..', 'n8n', 'package.json'));
    const workflowDir = dirname(createRequire(n8nPackage).resolve('n8n-workflow/package.json'));
    mkdirSync(join(home, 'node_modules'), { recursive: true });
    symlinkSync(workflowDir, join(home, 'node_modules', 'n8n-workflow'));
    const extension = join(home, 'custom', 'n8n-nodes-greenlight');
    mkdirSync(extension, { recursive: true });
    cpSync(join(PACKAGE_DIR, 'dist'), join(extension, 'dist'), { recursive: true });
    cpSync(join(PACKAGE_DIR, 'package.json'), join(extension, 'package.json'));
    env = {
      PATH: process.env.PATH ?? '',
      HOME: home,
      N8N_USER_FOLDER: join(home, 'user'),
      N8N_CUSTOM_EXTENSIONS: join(home, 'custom'),
      N8N_ENCRYPTION_KEY: randomBytes(24).toString('hex'),
      N8N_DIAGNOSTICS_ENABLED: 'false',
      N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
      N8N_RUNNERS_ENABLED: 'false',
      // n8n 2.8 opens its task broker even so; not on its fixed default port, which another run may hold.
      N8N_RUNNERS_BROKER_PORT: String(await freePort()),
      N8N_LOG_LEVEL: 'warn',
      DB_TYPE: 'sqlite',
    };
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('runs a workflow that creates, comments on and reads an approval request', async () => {
    const seeded = await harness.seedOrg(server.db);
    const externalId = `n8n-${randomUUID()}`;
    const credentialId = 'GreenlightCred01';
    const workflowId = 'GreenlightE2E001';
    const credentials = { greenlightApi: { id: credentialId, name: 'Greenlight' } };
    const missing = randomUUID();
    const node = (name: string, x: number, parameters: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
      id: randomUUID(), name, type: 'CUSTOM.greenlight', typeVersion: 1, position: [x, 0], parameters, credentials, ...extra,
    });
    const workflow = {
      id: workflowId,
      name: 'Greenlight end to end',
      active: false,
      nodes: [
        { id: randomUUID(), name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
        node('Create', 200, {
          authentication: 'apiKey', resource: 'approval', operation: 'create', title: 'Deploy from n8n', description: 'Release 1.2.3', priority: 'high',
          additionalFields: { external_id: externalId, metadata: '{"from":"n8n"}' },
        }),
        node('Comment', 400, { authentication: 'apiKey', resource: 'comment', operation: 'add', approvalId: '={{ $json.id }}', body: 'Queued by n8n' }),
        node('Get', 600, { authentication: 'apiKey', resource: 'approval', operation: 'get', approvalId: "={{ $('Create').item.json.id }}" }),
        node('Missing', 800, { authentication: 'apiKey', resource: 'approval', operation: 'get', approvalId: missing }, { onError: 'continueRegularOutput' }),
      ],
      connections: {
        Start: { main: [[{ node: 'Create', type: 'main', index: 0 }]] },
        Create: { main: [[{ node: 'Comment', type: 'main', index: 0 }]] },
        Comment: { main: [[{ node: 'Get', type: 'main', index: 0 }]] },
        Get: { main: [[{ node: 'Missing', type: 'main', index: 0 }]] },
      },
      settings: {},
    };
    const credentialFile = join(home, 'credentials.json');
    const workflowFile = join(home, 'workflow.json');
    writeFileSync(credentialFile, JSON.stringify([{ id: credentialId, name: 'Greenlight', type: 'greenlightApi', data: { baseUrl: server.url, apiKey: seeded.key } }]));
    writeFileSync(workflowFile, JSON.stringify(workflow));

    const started = Date.now();
    const creds = await run(N8N_BIN!, ['import:credentials', `--input=${credentialFile}`], env);
    expect(creds.code, creds.stdout + creds.stderr).toBe(0);
    const imported = await run(N8N_BIN!, ['import:workflow', `--input=${workflowFile}`], env);
    expect(imported.code, imported.stdout + imported.stderr).toBe(0);
    // The result is printed through n8n's logger, at level info.
    const executed = await run(N8N_BIN!, ['execute', `--id=${workflowId}`, '--rawOutput'], { ...env, N8N_LOG_LEVEL: 'info' });
    expect(executed.code, executed.stdout + executed.stderr).toBe(0);
    console.log(`n8n import + execute took ${Date.now() - started} ms`);

    // Between n8n's start-up lines and whatever it logs after.
    const json = executed.stdout.slice(executed.stdout.indexOf('{'), executed.stdout.lastIndexOf('}') + 1);
    expect(json, `n8n printed no execution result:\n${executed.stdout}\n${executed.stderr}`).not.toBe('');
    const result = JSON.parse(json) as {
      data: { resultData: { runData: Record<string, { data: { main: { json: Record<string, unknown> }[][] } }[]> } };
    };
    const out = (name: string) => result.data.resultData.runData[name]![0]!.data.main[0]!.map((i) => i.json);
    const [created] = out('Create');
    expect(created).toMatchObject({ title: 'Deploy from n8n', status: 'pending', external_id: externalId, metadata: { from: 'n8n' } });
    expect(out('Comment')[0]).toMatchObject({ body: 'Queued by n8n' });
    expect(out('Get')[0]).toMatchObject({ id: created!.id, comments_count: 1 });
    expect(out('Missing')[0]).toMatchObject({ error: 'approval request not found' });

    // …and Greenlight holds what n8n did.
    const stored = await server.http(seeded.key).get(`/api/v1/approvals/${created!.id as string}`);
    expect(stored.body).toMatchObject({ title: 'Deploy from n8n', external_id: externalId, comments_count: 1 });
  }, 400_000);
});
