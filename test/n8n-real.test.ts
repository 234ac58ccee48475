/**
 * The built package inside a REAL n8n (2.8.4, the newest that runs on Node 20), against a real
 * Greenlight server:
 *
 * - `n8n execute`: a workflow that creates, comments on and reads an approval request through the
 *   Greenlight node.
 * - `n8n start`: a published workflow whose webhooks start "Greenlight Request and Wait" chains; each
 *   outcome (approved, rejected, cancelled by the requester, expired in Greenlight, the node's own
 *   wait limit, with and without expiring the request, "Continue Only When Approved", version 1 at a
 *   wait limit) reaches a downstream HTTP Request node (a local receiver standing in for a third
 *   party) with its decision (and an approval's answer and edits), exactly once, or not at all where
 *   nothing may continue; unsigned, forged and replayed calls to a resume URL change nothing. The
 *   hijack, for version 1, version 2 and "Continue Only When Approved": another request naming the
 *   resume URL as its callback, approved by expiry and signed by Greenlight, is refused (410); the
 *   execution keeps waiting and resumes once on its own decision. With "Continue Only When
 *   Approved" each refusal is an execution n8n lists as failed, with the reason (read back from
 *   n8n's public API), except a limit of n8n's own timer, which runs no node code (listed as
 *   succeeded, nothing run after it).
 * - in the same `n8n start`: the Greenlight Trigger (REST hook) and the Greenlight Polling Trigger,
 *   activated through n8n's public API, each start one execution per new request and per decision
 *   (read back from n8n's executions), and deactivating removes the subscription in Greenlight.
 *
 * One n8n home (SQLite, user folder, custom extension) and one `n8n start` serve every case.
 * Skipped unless GREENLIGHT_N8N_BIN points at the n8n binary: .ci/run installs n8n outside the
 * workspace (packages/n8n-nodes-greenlight/scripts/install-n8n.sh) and sets it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, cpSync, mkdirSync, openSync, readFileSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, listenOnLoopback } from '@greenlight/server/testing';
import { signWebhook } from '@greenlight/triggers';
import { loadBuilt, PACKAGE_DIR } from '../packages/n8n-nodes-greenlight/test/context.mts';
import { portForLaterBind } from './ports.ts';

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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` answers something other than undefined/false, or fails after `timeoutMs`. */
async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs: number, everyMs = 250): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

/** The third party the workflow calls after the wait: records what arrives on each path. */
async function startDownstream() {
  const received: { path: string; body: Record<string, unknown> }[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        body = { unparsable: raw };
      }
      received.push({ path: req.url ?? '', body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  const url = await listenOnLoopback(server);
  return { url, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const CREDENTIAL_ID = 'GreenlightCred01';
const EXECUTE_WORKFLOW_ID = 'GreenlightE2E001';
const WAIT_WORKFLOW_ID = 'GreenlightWait01';
const credentials = { greenlightApi: { id: CREDENTIAL_ID, name: 'Greenlight' } };
/** The trigger workflows act for an org of their own, so every event in it is one they must see. */
const TRIGGER_CREDENTIAL_ID = 'GreenlightCred02';
const HOOK_WORKFLOW_ID = 'GreenlightHook01';
const POLL_WORKFLOW_ID = 'GreenlightPoll01';
const TRIGGER_EVENTS = ['new_approval', 'approval_decided'] as const;
type TriggerEvent = (typeof TRIGGER_EVENTS)[number];
/**
 * n8n refuses a poll time whose seconds field has a `*` ("at least a minute"), but runs a custom
 * six-field cron expression that lists its seconds: every 3 s here, so the test does not wait minutes.
 */
const EVERY_THREE_SECONDS = `${Array.from({ length: 20 }, (_, i) => i * 3).join(',')} * * * * *`;

/** One workflow per trigger node type, one node per event; the node's name says which it is. */
function triggerWorkflows() {
  const triggerCredentials = { greenlightApi: { id: TRIGGER_CREDENTIAL_ID, name: 'Greenlight (triggers)' } };
  const nodes = (type: string, extra: (event: TriggerEvent) => Record<string, unknown>) =>
    TRIGGER_EVENTS.map((event, row) => ({
      id: randomUUID(), name: `${type} ${event}`, type: `CUSTOM.${type}`, typeVersion: 1, position: [0, row * 200], credentials: triggerCredentials,
      ...extra(event),
    }));
  return [
    {
      id: HOOK_WORKFLOW_ID, name: 'Greenlight REST-hook triggers', active: false, connections: {}, settings: { executionOrder: 'v1' },
      nodes: nodes('greenlightTrigger', (event) => ({ webhookId: randomUUID(), parameters: { authentication: 'apiKey', event } })),
    },
    {
      id: POLL_WORKFLOW_ID, name: 'Greenlight polling triggers', active: false, connections: {}, settings: { executionOrder: 'v1' },
      nodes: nodes('greenlightPollingTrigger', (event) => ({
        parameters: { authentication: 'apiKey', event, pollTimes: { item: [{ mode: 'custom', cronExpression: EVERY_THREE_SECONDS }] } },
      })),
    },
  ];
}

/** The chains of the waiting workflow: webhook path, node version and parameters of the wait node. */
const CHAINS = {
  decide: { version: 2, parameters: {} },
  expire: { version: 2, parameters: { additionalFields: { external_id: '={{ $json.body.external_id }}', expires_at: '={{ $json.body.expires_at }}', on_expiry: 'expire' } } },
  limit: { version: 2, parameters: { limitWaitTime: true, limitType: 'atSpecifiedTime', maxDateAndTime: '={{ $json.body.limit }}', onWaitLimit: 'leavePending' } },
  limitExpire: { version: 2, parameters: { limitWaitTime: true, limitType: 'atSpecifiedTime', maxDateAndTime: '={{ $json.body.limit }}', onWaitLimit: 'expire' } },
  onlyApproved: { version: 2, parameters: { options: { onlyApproved: true } } },
  onlyApprovedExpire: {
    version: 2,
    parameters: { options: { onlyApproved: true }, additionalFields: { external_id: '={{ $json.body.external_id }}', expires_at: '={{ $json.body.expires_at }}', on_expiry: 'expire' } },
  },
  onlyApprovedLimit: { version: 2, parameters: { limitWaitTime: true, limitType: 'atSpecifiedTime', maxDateAndTime: '={{ $json.body.limit }}', onWaitLimit: 'leavePending', options: { onlyApproved: true } } },
  onlyApprovedLimitExpire: { version: 2, parameters: { limitWaitTime: true, limitType: 'atSpecifiedTime', maxDateAndTime: '={{ $json.body.limit }}', onWaitLimit: 'expire', options: { onlyApproved: true } } },
  // A request that asks for an answer and lets the reviewer reword a field: JSON parameters as the editor holds them.
  answers: {
    version: 2,
    parameters: {
      additionalFields: {
        external_id: '={{ $json.body.external_id }}',
        metadata: '{"order":1042,"note":"Refund as asked"}',
        response_schema: '{"type":"object","properties":{"amount":{"type":"number","minimum":0},"region":{"type":"string","enum":["eu","us"],"default":"eu"}},"required":["amount"]}',
        editable: '["metadata.note"]',
      },
    },
  },
  v1: { version: 1, parameters: {} },
  v1limit: { version: 1, parameters: { limitWaitTime: true, limitType: 'atSpecifiedTime', maxDateAndTime: '={{ $json.body.limit }}' } },
} as const;
type Chain = keyof typeof CHAINS;

function waitWorkflow(downstreamUrl: string) {
  const nodes: Record<string, unknown>[] = [
    { id: randomUUID(), name: 'Probe', type: 'n8n-nodes-base.webhook', typeVersion: 2, position: [0, -200], webhookId: randomUUID(), parameters: { httpMethod: 'POST', path: 'gl-probe', responseMode: 'onReceived', options: {} } },
  ];
  const connections: Record<string, unknown> = {};
  Object.entries(CHAINS).forEach(([chain, { version, parameters }], row) => {
    const y = row * 200;
    const start = `Start ${chain}`;
    const wait = `Wait ${chain}`;
    const downstream = `Downstream ${chain}`;
    nodes.push(
      { id: randomUUID(), name: start, type: 'n8n-nodes-base.webhook', typeVersion: 2, position: [0, y], webhookId: randomUUID(), parameters: { httpMethod: 'POST', path: `gl-${chain}`, responseMode: 'onReceived', options: {} } },
      {
        id: randomUUID(), name: wait, type: 'CUSTOM.greenlightRequestAndWait', typeVersion: version, position: [250, y], credentials,
        parameters: {
          authentication: 'apiKey', title: '={{ $json.body.external_id }}', description: 'Waiting in n8n', priority: 'high',
          additionalFields: { external_id: '={{ $json.body.external_id }}' }, ...parameters,
        },
      },
      {
        id: randomUUID(), name: downstream, type: 'n8n-nodes-base.httpRequest', typeVersion: 4.2, position: [500, y],
        parameters: { method: 'POST', url: `${downstreamUrl}/downstream/${chain}`, sendBody: true, specifyBody: 'json', jsonBody: '={{ JSON.stringify($json) }}', options: {} },
      },
    );
    // Version 1 has three outputs: all of them lead downstream, so anything it passes on shows.
    const outputs = version === 1 ? 3 : 1;
    connections[start] = { main: [[{ node: wait, type: 'main', index: 0 }]] };
    connections[wait] = { main: Array.from({ length: outputs }, () => [{ node: downstream, type: 'main', index: 0 }]) };
  });
  return { id: WAIT_WORKFLOW_ID, name: 'Greenlight request and wait', active: false, nodes, connections, settings: { executionOrder: 'v1' } };
}

describe.skipIf(!N8N_BIN)('the built package in a real n8n', () => {
  let server: harness.TestServer;
  let home: string;
  let env: Record<string, string>;
  let seeded: harness.SeededOrg;
  let approverKey: string;
  let triggerOrg: harness.SeededOrg;
  let downstream: Awaited<ReturnType<typeof startDownstream>>;
  const missing = randomUUID();
  const externalId = `n8n-${randomUUID()}`;

  beforeAll(async () => {
    loadBuilt('nodes/Greenlight/Greenlight.node.js'); // fails early with a clear message when not built
    // Loopback is an internal address: allowed explicitly, as a self-hoster allows their n8n.
    // Waiter probes every second or two: every waiting chain below is probed while it waits, and must
    // still resume exactly as it would without them.
    server = await harness.startTestServer({
      config: {
        GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8', GREENLIGHT_DELIVERY_SWEEP_MS: '100', GREENLIGHT_EXPIRY_SWEEP_MS: '200',
        GREENLIGHT_WAITER_PROBE_AFTER_MS: '500', GREENLIGHT_WAITER_PROBE_MAX_MS: '2000', GREENLIGHT_WAITER_POLL_MS: '200',
      },
    });
    downstream = await startDownstream();
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
      N8N_RUNNERS_BROKER_PORT: String(await portForLaterBind()),
      N8N_LOG_LEVEL: 'warn',
      DB_TYPE: 'sqlite',
    };

    seeded = await harness.seedOrg(server.db);
    approverKey = (await seeded.newKey({ name: 'approver' })).key;
    triggerOrg = await harness.seedOrg(server.db);
    const node = (name: string, x: number, parameters: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
      id: randomUUID(), name, type: 'CUSTOM.greenlight', typeVersion: 1, position: [x, 0], parameters, credentials, ...extra,
    });
    const executeWorkflow = {
      id: EXECUTE_WORKFLOW_ID,
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
    const workflowFile = join(home, 'workflows.json');
    writeFileSync(credentialFile, JSON.stringify([
      { id: CREDENTIAL_ID, name: 'Greenlight', type: 'greenlightApi', data: { baseUrl: server.url, apiKey: seeded.key } },
      { id: TRIGGER_CREDENTIAL_ID, name: 'Greenlight (triggers)', type: 'greenlightApi', data: { baseUrl: server.url, apiKey: triggerOrg.key } },
    ]));
    writeFileSync(workflowFile, JSON.stringify([executeWorkflow, waitWorkflow(downstream.url), ...triggerWorkflows()]));

    const started = Date.now();
    const creds = await run(N8N_BIN!, ['import:credentials', `--input=${credentialFile}`], env);
    expect(creds.code, creds.stdout + creds.stderr).toBe(0);
    const imported = await run(N8N_BIN!, ['import:workflow', `--input=${workflowFile}`], env);
    expect(imported.code, imported.stdout + imported.stderr).toBe(0);
    // publish:workflow exits 0 even when it fails: the list of active workflows is the proof.
    const published = await run(N8N_BIN!, ['publish:workflow', `--id=${WAIT_WORKFLOW_ID}`], env);
    expect(published.code, published.stdout + published.stderr).toBe(0);
    // Both commands print through n8n's logger, at level info.
    const active = await run(N8N_BIN!, ['list:workflow', '--active=true', '--onlyId'], { ...env, N8N_LOG_LEVEL: 'info' });
    expect(active.stdout.split(/\s+/), active.stdout + active.stderr).toContain(WAIT_WORKFLOW_ID);
    console.log(`n8n import + publish took ${Date.now() - started} ms`);
  }, 600_000);

  afterAll(async () => {
    await server?.stop();
    await downstream?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('runs a workflow that creates, comments on and reads an approval request', async () => {
    const started = Date.now();
    // The result is printed through n8n's logger, at level info.
    const executed = await run(N8N_BIN!, ['execute', `--id=${EXECUTE_WORKFLOW_ID}`, '--rawOutput'], { ...env, N8N_LOG_LEVEL: 'info' });
    expect(executed.code, executed.stdout + executed.stderr).toBe(0);
    console.log(`n8n execute took ${Date.now() - started} ms`);

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

  describe('a running n8n (`n8n start`)', () => {
    let n8n: ChildProcess | undefined;
    let n8nUrl: string;
    let log = '';
    const api = () => server.http(seeded.key);
    let apiKey: string;
    /** n8n's public API, with an API key of the instance owner. */
    const n8nApi = async (method: string, path: string) => {
      const res = await fetch(`${n8nUrl}/api/v1${path}`, { method, headers: { 'x-n8n-api-key': apiKey, accept: 'application/json' } });
      const text = await res.text();
      if (!res.ok) throw new Error(`n8n ${method} ${path}: ${res.status} ${text}`);
      return JSON.parse(text) as Record<string, unknown>;
    };

    beforeAll(async () => {
      // n8n listens only after it has started (seconds): a port no other test's listen(0) can be handed meanwhile.
      const port = await portForLaterBind();
      n8nUrl = `http://127.0.0.1:${port}`;
      const started = Date.now();
      n8n = spawn(N8N_BIN!, ['start'], {
        env: {
          ...env,
          N8N_PORT: String(port),
          N8N_LISTEN_ADDRESS: '127.0.0.1',
          // Resume URLs on 127.0.0.1, not `localhost` (which may resolve to ::1).
          WEBHOOK_URL: `${n8nUrl}/`,
          N8N_LOG_LEVEL: 'info',
          N8N_SECURE_COOKIE: 'false',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      n8n.stdout!.on('data', (d) => (log += d));
      n8n.stderr!.on('data', (d) => (log += d));
      const exited = new Promise<never>((_, reject) => n8n!.once('exit', (code) => reject(new Error(`n8n start exited with ${code}:\n${log}`))));
      // /healthz answers before webhooks are registered: the probe webhook is what proves activation.
      await Promise.race([
        exited,
        until('n8n registers the published workflow\'s webhooks', async () => {
          const probe = await fetch(`${n8nUrl}/webhook/gl-probe`, { method: 'POST' });
          // n8n's own answer, not whatever else might listen there.
          return probe.status === 200 && ((await probe.json()) as { message?: string }).message === 'Workflow was started';
        }, 300_000, 1000),
      ]).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}\n${log}`);
      });
      console.log(`n8n start took ${Date.now() - started} ms`);
      // The owner n8n asks for on first start, then an API key with the scopes this test uses.
      const owner = { email: 'owner@greenlight.test', password: `Pw-${randomBytes(8).toString('hex')}` };
      const setup = await fetch(`${n8nUrl}/rest/owner/setup`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...owner, firstName: 'Test', lastName: 'Owner' }),
      });
      expect(setup.status, await setup.clone().text()).toBe(200);
      let cookie = (setup.headers.get('set-cookie') ?? '').split(';')[0]!;
      // n8n reads the user back on each call through a pool of SQLite connections; under load one
      // of them has been seen still holding the shell owner (no email, no password), so the new
      // cookie's hash did not match and the call answered 401. Signing in again reads the owner afresh.
      let last = '';
      apiKey = await until('n8n gives the owner an API key', async () => {
        const key = await fetch(`${n8nUrl}/rest/api-keys`, {
          method: 'POST', headers: { 'content-type': 'application/json', cookie },
          body: JSON.stringify({ label: 'greenlight-test', expiresAt: null, scopes: ['workflow:activate', 'workflow:deactivate', 'execution:list', 'execution:read'] }),
        });
        last = `${key.status} ${await key.clone().text()}`;
        if (key.status === 200) return ((await key.json()) as { data: { rawApiKey: string } }).data.rawApiKey;
        if (key.status !== 401) throw new Error(last);
        const login = await fetch(`${n8nUrl}/rest/login`, {
          method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ emailOrLdapLoginId: owner.email, password: owner.password }),
        });
        if (login.status === 200) cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
        return undefined;
      }, 60_000, 500).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}; last answer: ${last}\n${log}`);
      });
    }, 360_000);

    afterAll(async () => {
      if (n8n && n8n.exitCode === null) {
        const gone = new Promise((r) => n8n!.once('exit', r));
        n8n.kill('SIGTERM');
        await Promise.race([gone, sleep(20_000)]);
        if (n8n.exitCode === null) n8n.kill('SIGKILL');
      }
    }, 60_000);

    /** Starts a chain through its webhook; answers the Greenlight request it made, once n8n waits on it. */
    async function startChain(chain: Chain, body: Record<string, unknown> = {}) {
      const external_id = `${chain}-${randomUUID()}`;
      const res = await fetch(`${n8nUrl}/webhook/gl-${chain}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ external_id, ...body }) });
      expect(res.status, await res.clone().text()).toBe(200);
      const approval = await until(`${chain}: the request reaches Greenlight`, async () => {
        const page = (await api().get(`/api/v1/approvals?external_id=${external_id}`)).body as { data: Record<string, unknown>[] };
        return page.data[0];
      }, 60_000);
      expect(approval).toMatchObject({ status: 'pending', title: external_id });
      expect(String(approval.callback_url)).toMatch(new RegExp(`^${n8nUrl}/webhook-waiting/\\d+/`));
      return { external_id, id: approval.id as string, callbackUrl: approval.callback_url as string };
    }

    const arrivals = (chain: Chain, externalId: string) =>
      downstream.received.filter((r) => r.path === `/downstream/${chain}` && (r.body.approval as { external_id?: string } | null)?.external_id === externalId);
    const arrived = (chain: Chain, externalId: string, timeoutMs = 60_000) =>
      until(`${chain}: the decision reaches the downstream node`, async () => arrivals(chain, externalId)[0]?.body, timeoutMs);

    /** A delivery as Greenlight signs it, with the org's callback secret (or another). */
    async function signedDelivery(type: string, approvalId: string, overrides: Record<string, unknown> = {}, secret?: string) {
      const approval = { ...((await api().get(`/api/v1/approvals/${approvalId}`)).body as Record<string, unknown>), ...overrides };
      const body = JSON.stringify({
        type, timestamp: new Date().toISOString(),
        data: { event_id: randomUUID(), org_id: seeded.org.id, approval_id: approvalId, actor: { type: 'connection', id: seeded.connectionId, name: 'forger' }, from_status: 'pending', to_status: 'approved', details: {}, approval },
      });
      const key = secret ?? ((await api().get('/api/v1/callback-secret')).body as { secret: string }).secret;
      const id = `msg_${randomUUID()}`;
      const ts = Math.floor(Date.now() / 1000);
      return { body, headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signWebhook(key, id, ts, body) } };
    }
    const post = (url: string, d: { body: string; headers: Record<string, string> }) => fetch(url, { method: 'POST', headers: d.headers, body: d.body });

    type WaitExecution = {
      id: string;
      status: string;
      data?: { resultData: { error?: { message?: string }; runData: Record<string, { data?: { main: { json: Record<string, unknown> }[][] } }[]> } };
    };
    /**
     * The execution a chain started (its id is in the resume URL it handed to Greenlight), from n8n's
     * public API: its status, its error, the nodes that ran. (n8n's list leaves out executions that
     * wait; one read by id shows them.)
     */
    async function executionOf(c: { callbackUrl: string }) {
      const id = /\/webhook-waiting\/(\d+)\//.exec(c.callbackUrl)![1]!;
      const e = (await n8nApi('GET', `/executions/${id}?includeData=true`)) as WaitExecution;
      return { status: e.status, error: e.data?.resultData.error?.message ?? null, ran: Object.keys(e.data?.resultData.runData ?? {}).sort() };
    }
    const ended = (chain: Chain, c: { callbackUrl: string }, timeoutMs = 60_000) =>
      until(`${chain}: the execution ends`, async () => {
        const e = await executionOf(c);
        return !['new', 'running', 'waiting'].includes(e.status) ? e : undefined;
      }, timeoutMs, 500);

    /**
     * The attack: a request made with the requester's own key (which may not approve the waiting
     * request), naming the execution's resume URL as its callback, approved by the expiry sweep three
     * seconds later; Greenlight signs its callback correctly. Answers the request, once the node has
     * refused its callback: 410, so Greenlight sends it no more and marks its waiter gone.
     */
    async function hijack(callbackUrl: string) {
      const body = { title: 'x', description: 'x', priority: 'low', callback_url: callbackUrl, expires_at: new Date(Date.now() + 3000).toISOString(), on_expiry: 'approve' };
      const { id } = (await api().post('/api/v1/approvals').send(body).expect(201)).body as { id: string };
      type Delivery = { target: string; status: string; last_status_code: number | null };
      const refused = await until('the hijacking approval reaches the resume URL', async () => {
        const page = (await api().get(`/api/v1/deliveries?approval_id=${id}`)).body as { data: Delivery[] };
        return page.data.find((d) => d.target === 'callback' && d.last_status_code !== null);
      }, 30_000);
      expect(refused).toMatchObject({ status: 'gone', last_status_code: 410 });
      return id;
    }

    describe.concurrent('each outcome reaches the downstream node with its decision, exactly once', () => {
      it('approved; a replay of the approval afterwards changes nothing', async () => {
        const c = await startChain('decide');
        await server.http(approverKey).patch(`/api/v1/approvals/${c.id}`).send({ decision: 'approve', comment: 'ship it' }).expect(200);
        expect(await arrived('decide', c.external_id)).toMatchObject({ decision: 'approved', approved: true, comment: 'ship it', approval_id: c.id, decider: { type: 'connection' } });
        const replay = await post(c.callbackUrl, await signedDelivery('approval.approved', c.id));
        expect(replay.status).toBeGreaterThanOrEqual(400);
        await sleep(2000);
        expect(arrivals('decide', c.external_id)).toHaveLength(1);
      });

      it('approved with an answer and an edit: the downstream node gets response, edits and approved_content', async () => {
        const c = await startChain('answers');
        const asked = (await api().get(`/api/v1/approvals/${c.id}`).expect(200)).body as Record<string, unknown>;
        expect(asked).toMatchObject({ response_schema: { required: ['amount'] }, editable: ['metadata.note'], metadata: { order: 1042, note: 'Refund as asked' } });
        await server.http(approverKey).patch(`/api/v1/approvals/${c.id}`).send({ decision: 'approve', response: { amount: 120 }, edits: { 'metadata.note': 'Refund 120 only' } }).expect(200);
        expect(await arrived('answers', c.external_id)).toMatchObject({
          decision: 'approved',
          approved: true,
          response: { amount: 120, region: 'eu' },
          edits: [{ path: 'metadata.note', before: 'Refund as asked', after: 'Refund 120 only' }],
          approved_content: { metadata: { order: 1042, note: 'Refund 120 only' }, changes: null },
        });
      });

      it('rejected', async () => {
        const c = await startChain('decide');
        await server.http(approverKey).patch(`/api/v1/approvals/${c.id}`).send({ decision: 'reject', comment: 'not on a Friday' }).expect(200);
        expect(await arrived('decide', c.external_id)).toMatchObject({ decision: 'rejected', approved: false, comment: 'not on a Friday', approval_id: c.id });
        await sleep(2000);
        expect(arrivals('decide', c.external_id)).toHaveLength(1);
      });

      it('cancelled by the requester', async () => {
        const c = await startChain('decide');
        await api().delete(`/api/v1/approvals/${c.id}`).expect(200);
        expect(await arrived('decide', c.external_id)).toMatchObject({ decision: 'cancelled', approved: false, approval_id: c.id });
        await sleep(2000);
        expect(arrivals('decide', c.external_id)).toHaveLength(1);
      });

      it('expired in Greenlight (on_expiry: expire)', async () => {
        const c = await startChain('expire', { expires_at: new Date(Date.now() + 4000).toISOString() });
        expect(await arrived('expire', c.external_id)).toMatchObject({ decision: 'expired', approved: false, approval_id: c.id });
        expect((await api().get(`/api/v1/approvals/${c.id}`)).body).toMatchObject({ status: 'expired' });
        await sleep(2000);
        expect(arrivals('expire', c.external_id)).toHaveLength(1);
      });

      it('the node\'s own wait limit: timed_out, the request left pending; version 1 and "Continue Only When Approved" pass nothing on at it', async () => {
        const limit = new Date(Date.now() + 3000).toISOString();
        const [c, v1, only] = await Promise.all([startChain('limit', { limit }), startChain('v1limit', { limit }), startChain('onlyApprovedLimit', { limit })]);
        // n8n's wait tracker looks for due executions once a minute.
        expect(await arrived('limit', c.external_id, 150_000)).toMatchObject({ decision: 'timed_out', approved: false, decider: null, approval_id: c.id });
        expect((await api().get(`/api/v1/approvals/${c.id}`)).body).toMatchObject({ status: 'pending' });
        // Both executions were due in the same sweep of the tracker: give v1's resume time to show.
        await sleep(5000);
        expect(arrivals('limit', c.external_id)).toHaveLength(1);
        expect(downstream.received.filter((r) => r.path === '/downstream/v1limit')).toEqual([]);
        expect((await api().get(`/api/v1/approvals/${v1.id}`)).body).toMatchObject({ status: 'pending' });
        // The limit of n8n's own timer runs no code of the node, so it cannot fail the execution: it ends
        // at the node, listed as succeeded (with "Expire the Request" Greenlight's expiry fails it, above).
        expect(downstream.received.filter((r) => r.path === '/downstream/onlyApprovedLimit')).toEqual([]);
        expect(await ended('onlyApprovedLimit', only)).toMatchObject({ status: 'success', ran: ['Start onlyApprovedLimit', 'Wait onlyApprovedLimit'] });
      }, 240_000);

      it('the wait limit with "Expire the Request": timed_out, and the request expired in Greenlight', async () => {
        const c = await startChain('limitExpire', { limit: new Date(Date.now() + 4000).toISOString() });
        expect(await arrived('limitExpire', c.external_id, 150_000)).toMatchObject({ decision: 'timed_out', approved: false, approval_id: c.id });
        expect((await api().get(`/api/v1/approvals/${c.id}`)).body).toMatchObject({ status: 'expired', on_expiry: 'expire' });
        await sleep(2000);
        expect(arrivals('limitExpire', c.external_id)).toHaveLength(1);
      }, 240_000);

      it.each(['decide', 'v1', 'onlyApproved'] as const)(
        'the hijack (%s): another request’s signed approval at the resume URL changes nothing; the execution keeps waiting, then resumes once on its own decision',
        async (chain) => {
          const c = await startChain(chain);
          const other = await hijack(c.callbackUrl);
          expect((await api().get(`/api/v1/approvals/${other}`)).body).toMatchObject({ status: 'approved', waiter: { state: 'gone' } });
          await sleep(2000);
          expect(arrivals(chain, c.external_id)).toEqual([]);
          expect(await executionOf(c)).toMatchObject({ status: 'waiting' });
          expect((await api().get(`/api/v1/approvals/${c.id}`)).body).toMatchObject({ status: 'pending' });

          await server.http(approverKey).patch(`/api/v1/approvals/${c.id}`).send({ decision: 'approve', comment: 'mine' }).expect(200);
          expect(await arrived(chain, c.external_id)).toMatchObject({ decision: 'approved', approved: true, comment: 'mine', approval_id: c.id });
          expect(await ended(chain, c)).toMatchObject({ status: 'success', error: null });
          await sleep(2000);
          expect(arrivals(chain, c.external_id)).toHaveLength(1);
        },
      );

      it.each([
        ['a rejection', 'onlyApproved', {}, (id: string) => server.http(approverKey).patch(`/api/v1/approvals/${id}`).send({ decision: 'reject', comment: 'not on a Friday' }).expect(200), /^Rejected by approver: not on a Friday$/],
        ['a cancellation by the requester', 'onlyApproved', {}, (id: string) => api().delete(`/api/v1/approvals/${id}`).expect(200), /^Cancelled by primary$/],
        ['an expiry in Greenlight', 'onlyApprovedExpire', { expires_at: 4000 }, null, /^Expired without a decision at \d{4}-/],
        ['the wait limit, with "Expire the Request"', 'onlyApprovedLimitExpire', { limit: 4000 }, null, /^Timed out after [345] s$/],
        ['a version 1 rejection', 'v1', {}, (id: string) => server.http(approverKey).patch(`/api/v1/approvals/${id}`).send({ decision: 'reject' }).expect(200), /^Rejected by approver$/],
      ] as const)('"Continue Only When Approved", %s: the execution fails with the reason, and nothing after the node runs', async (_, chain, times, decide, message) => {
        const at = (ms: number) => new Date(Date.now() + ms).toISOString();
        const c = await startChain(chain, Object.fromEntries(Object.entries(times).map(([k, ms]) => [k, at(ms)])));
        if (decide) await decide(c.id);
        const execution = await ended(chain, c);
        expect(execution).toMatchObject({ status: 'error', error: expect.stringMatching(message) });
        // The node ran again to fail; the node after it never ran.
        expect(execution.ran).toEqual([`Start ${chain}`, `Wait ${chain}`]);
        await sleep(2000);
        expect(arrivals(chain, c.external_id)).toEqual([]);
      });

      it('waiter probes: n8n answers HEAD 404 while the execution waits and once it is gone, 409 once it finished; probing resumes nothing', async () => {
        const c = await startChain('decide');
        const head = async (url: string) => (await fetch(url, { method: 'HEAD' })).status;
        // The request reaches Greenlight while n8n is still running the node that sent it, and n8n
        // answers 409 for a running execution: wait until the execution has been put to wait. A 409
        // that never ends times out here; any other answer is checked below.
        const waiting = await until('n8n has put the execution to wait', async () => {
          const status = await head(c.callbackUrl);
          return status === 409 ? undefined : status;
        }, 30_000);
        const missing = await head(c.callbackUrl.replace(/\/webhook-waiting\/\d+\//, '/webhook-waiting/987654321/'));
        // Greenlight's own probes reached it too, and said what they can: nothing, so "unknown", with why.
        const waiter = await until('the server probed the resume URL', async () => {
          const w = ((await api().get(`/api/v1/approvals/${c.id}`)).body as { waiter: { state: string; reason: string | null; checked_at: string | null } }).waiter;
          return w.checked_at ? w : undefined;
        }, 30_000);
        expect(waiter).toMatchObject({ state: 'unknown', reason: 'n8n answers 404 to a probe both while the execution waits and once it was deleted' });
        await sleep(2500);
        expect(arrivals('decide', c.external_id)).toEqual([]);
        await server.http(approverKey).patch(`/api/v1/approvals/${c.id}`).send({ decision: 'approve' }).expect(200);
        expect(await arrived('decide', c.external_id)).toMatchObject({ decision: 'approved' });
        const finished = await head(c.callbackUrl);
        expect({ waiting, missing, finished }).toEqual({ waiting: 404, missing: 404, finished: 409 });
        await sleep(2000);
        expect(arrivals('decide', c.external_id)).toHaveLength(1);
      });

      it('unsigned, forged and replayed resume calls change nothing; the decision that follows resumes once', async () => {
        const c = await startChain('decide');
        // Another request's genuine approval, signed with the org's secret, replayed at this execution.
        const other = await startChain('decide');
        const unsigned = await fetch(c.callbackUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: (await signedDelivery('approval.approved', c.id, { status: 'approved' })).body });
        expect(unsigned.status).toBe(401);
        const forged = await post(c.callbackUrl, await signedDelivery('approval.approved', c.id, { status: 'approved' }, `whsec_${randomBytes(32).toString('base64')}`));
        expect(forged.status).toBe(401);
        const replayed = await post(c.callbackUrl, await signedDelivery('approval.approved', other.id, { status: 'approved' }));
        expect(replayed.status).toBe(410);
        const stale = await signedDelivery('approval.approved', c.id, { status: 'approved' });
        const old = Math.floor(Date.now() / 1000) - 3600;
        const staleHeaders = { ...stale.headers, 'webhook-timestamp': String(old), 'webhook-signature': signWebhook(((await api().get('/api/v1/callback-secret')).body as { secret: string }).secret, stale.headers['webhook-id'], old, stale.body) };
        expect((await post(c.callbackUrl, { body: stale.body, headers: staleHeaders })).status).toBe(401);
        await sleep(2000);
        expect(arrivals('decide', c.external_id)).toEqual([]);
        expect((await api().get(`/api/v1/approvals/${c.id}`)).body).toMatchObject({ status: 'pending' });

        await server.http(approverKey).patch(`/api/v1/approvals/${c.id}`).send({ decision: 'reject' }).expect(200);
        expect(await arrived('decide', c.external_id)).toMatchObject({ decision: 'rejected', approved: false });
        await api().delete(`/api/v1/approvals/${other.id}`).expect(200);
        expect(await arrived('decide', other.external_id)).toMatchObject({ decision: 'cancelled' });
        await sleep(2000);
        expect(arrivals('decide', c.external_id)).toHaveLength(1);
        expect(arrivals('decide', other.external_id)).toHaveLength(1);
      });
    });

    /**
     * After the waiting chains (not beside them: their timing is tight, and polling every few seconds
     * adds to n8n's load), in an org of their own.
     */
    describe('the trigger nodes, activated in n8n', () => {
      type Execution = { id: string; status: string; data?: { resultData: { runData: Record<string, { data?: { main: { json: Record<string, unknown> }[][] } }[]> } } };
      /** Every execution of a workflow so far, as (status, trigger node, the ids of the items it emitted). */
      const executions = async (workflowId: string) => {
        const page = (await n8nApi('GET', `/executions?workflowId=${workflowId}&includeData=true&limit=250`)) as { data: Execution[] };
        return page.data.map((e) => {
          const [node, runs] = Object.entries(e.data?.resultData.runData ?? {})[0] ?? ['', []];
          return { id: e.id, status: e.status, node, ids: (runs[0]?.data?.main[0] ?? []).map((i) => String(i.json.id)) };
        });
      };
      const subscriptions = async () => ((await server.http(triggerOrg.key).get('/api/v1/webhooks').expect(200)).body as { data: { id: string; url: string; events: string[]; status: string }[] }).data;


      it('the REST-hook and polling triggers each start one execution per new request and per decision; deactivating unsubscribes', async () => {
        expect(await subscriptions()).toEqual([]);
        await n8nApi('POST', `/workflows/${HOOK_WORKFLOW_ID}/activate`);
        await n8nApi('POST', `/workflows/${POLL_WORKFLOW_ID}/activate`);

        // Activation subscribed each REST-hook node's webhook URL to its events.
        const subscribed = await subscriptions();
        expect(subscribed.map((w) => [...w.events].sort().join(',')).sort()).toEqual(['approval.approved,approval.cancelled,approval.expired,approval.rejected', 'approval.created']);
        for (const w of subscribed) {
          expect(w.status).toBe('active');
          expect(w.url).toMatch(new RegExp(`^${n8nUrl}/webhook/[0-9a-f-]{36}/webhook$`));
        }

        const api = server.http(triggerOrg.key);
        const approver = server.http((await triggerOrg.newKey({ name: 'approver' })).key);
        const create = async (title: string) => ((await api.post('/api/v1/approvals').send({ title, description: 'from the trigger test', priority: 'low' }).expect(201)).body as { id: string }).id;
        const approved = await create('Approve me');
        const rejected = await create('Reject me');
        await approver.patch(`/api/v1/approvals/${approved}`).send({ decision: 'approve' }).expect(200);
        await approver.patch(`/api/v1/approvals/${rejected}`).send({ decision: 'reject' }).expect(200);

        const both = [approved, rejected].sort();
        /** The ids each trigger node emitted, over all of its workflow's successful executions. */
        const emitted = async (workflowId: string, type: string) => {
          const all = await executions(workflowId);
          const out = Object.fromEntries(TRIGGER_EVENTS.map((event) => [event, [] as string[]]));
          for (const e of all) {
            expect(e.status, JSON.stringify(e)).toBe('success');
            out[e.node.replace(`${type} `, '')]!.push(...e.ids);
          }
          return { executions: all, ids: out as Record<TriggerEvent, string[]> };
        };
        const complete = (r: { ids: Record<TriggerEvent, string[]> }) => TRIGGER_EVENTS.every((event) => r.ids[event].length >= 2);
        const hooks = await until('both REST-hook triggers fire', async () => {
          const r = await emitted(HOOK_WORKFLOW_ID, 'greenlightTrigger');
          return complete(r) && r;
        }, 60_000, 500);
        const polls = await until('both polling triggers fire', async () => {
          const r = await emitted(POLL_WORKFLOW_ID, 'greenlightPollingTrigger');
          return complete(r) && r;
        }, 60_000, 500);
        // A delivery is one execution with one item.
        expect(hooks.executions).toHaveLength(4);
        expect(hooks.executions.every((e) => e.ids.length === 1)).toBe(true);

        // Two more polls and any retried delivery: still each request once per event, no more.
        await sleep(7000);
        for (const [workflowId, type] of [[HOOK_WORKFLOW_ID, 'greenlightTrigger'], [POLL_WORKFLOW_ID, 'greenlightPollingTrigger']] as const) {
          const r = await emitted(workflowId, type);
          expect([...r.ids.new_approval].sort(), type).toEqual(both);
          expect([...r.ids.approval_decided].sort(), type).toEqual(both);
        }
        expect(polls.executions.length).toBeGreaterThan(0);

        // Deactivating removes both subscriptions in Greenlight, and nothing fires any more.
        await n8nApi('POST', `/workflows/${HOOK_WORKFLOW_ID}/deactivate`);
        await n8nApi('POST', `/workflows/${POLL_WORKFLOW_ID}/deactivate`);
        expect(await subscriptions()).toEqual([]);
        await create('After deactivation');
        await sleep(4000);
        expect(await executions(HOOK_WORKFLOW_ID)).toHaveLength(4);
        expect((await executions(POLL_WORKFLOW_ID)).flatMap((e) => e.ids).sort()).toEqual([...both, ...both].sort());
      }, 180_000);
    });
  });
});
