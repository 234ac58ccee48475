/**
 * The built Zapier app (packages/zapier/dist/index.cjs) run by Zapier's own command-line runner,
 * `zapier invoke` in local mode (zapier-platform-cli), against a real Greenlight server: the auth
 * test and label, `auth start` (the OAuth connect flow, a stand-in browser driving Greenlight's real
 * sign-in and consent pages), every polling trigger, every create (a request that asks for an answer,
 * approved with one), the search, and a token refresh.
 *
 * Local mode reads `authData_*` and the app's environment from a `.env` file in the app's folder and
 * needs no Zapier login. The app runs from a folder of its own (package.json, the build and a link
 * to its node_modules), so the `.env` written here and the one `auth refresh` appends to never touch
 * the package. Nothing may leave loopback: analytics and the update check are switched off, no
 * deploy key exists, Zapier's API endpoint points at a local recorder that must stay silent, and a
 * preloaded guard writes down any connection the CLI opens beyond loopback (there must be none).
 *
 * What `invoke` cannot do offline (REST-hook triggers, performList, performResume with a callback
 * URL) is listed in packages/zapier/README.md and covered by the app tester (packages/zapier/test,
 * test/zapier-e2e.test.ts).
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectInBrowser,
  listenOnLoopback,
  memberWithPassword,
  pkcePair,
  registerClient,
  seedOrg,
  startReceiver,
  startTestServer,
  tokenRequest,
  type SeededOrg,
  type TestReceiver,
  type TestServer,
} from '@greenlight/server/testing';
import { portForLaterBind } from './ports.ts';

const ZAPIER_DIR = fileURLToPath(new URL('../packages/zapier/', import.meta.url));
const CLI = join(ZAPIER_DIR, 'node_modules', '.bin', 'zapier');
const REDIRECT = 'https://zapier.com/dashboard/auth/oauth/return/App123CLIAPI/';

/**
 * Preloaded into the CLI (NODE_OPTIONS): records the host of every TCP connection that is not to
 * loopback (http, https and fetch all connect through net.Socket). It records rather than blocks,
 * so what the CLI does is unchanged.
 */
const NET_GUARD = `
const net = require('node:net');
const fs = require('node:fs');
fs.appendFileSync(process.env.NET_GUARD_LOG + '.loaded', process.pid + '\\n');
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const options = typeof first === 'object' && first !== null ? first : { port: first, host: args[1] };
  const host = String(options.host ?? 'localhost');
  if (!options.path && !/^(127\\.|::1$|::ffff:127\\.|localhost$)/.test(host)) {
    fs.appendFileSync(process.env.NET_GUARD_LOG, host + ':' + options.port + '\\n');
  }
  return connect.apply(this, args);
};
`;

let server: TestServer;
let receiver: TestReceiver;
/** Stands in for zapier.com: the CLI's API endpoint is pointed here, and nothing may call it. */
let zapierApi: { url: string; hits: string[]; server: Server };
let requesterDir: string;
let approverDir: string;
let home: string;
let seed: SeededOrg;
let approverKey: string;

/** Runs `zapier invoke …` in the app folder; stdout is the JSON the CLI prints, or the error on stderr. */
function invoke(args: string[], cwd = requesterDir, timeoutMs = 60_000, extraEnv: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(CLI, ['invoke', ...args, '--non-interactive'], {
      cwd,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: home,
        CI: 'true',
        // No telemetry and no update check (update-notifier asks the npm registry).
        DISABLE_ZAPIER_ANALYTICS: '1',
        NO_UPDATE_NOTIFIER: '1',
        // No deploy key (so no relay through Zapier), and Zapier's API is the local recorder.
        ZAPIER_AUTH_LOCATION: join(home, '.zapierrc'),
        ZAPIER_BASE_ENDPOINT: zapierApi.url,
        // Every connection the CLI's process opens to anything but loopback is written down.
        NODE_OPTIONS: `--require ${join(home, 'net-guard.cjs')}`,
        NET_GUARD_LOG: join(home, 'non-loopback.log'),
        ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`zapier invoke ${args.join(' ')} did not finish within ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A successful invocation's output (in the requester's app folder unless `cwd` is given). */
async function invoked<T = Record<string, unknown>>(args: string[], cwd?: string): Promise<T> {
  const r = await invoke(args, cwd);
  expect(r.code, `zapier invoke ${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout) as T;
}
const input = (data: Record<string, string>) => ['--inputData', JSON.stringify(data)];

beforeAll(async () => {
  server = await startTestServer({ config: { GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8', GREENLIGHT_DELIVERY_SWEEP_MS: '100' } });
  receiver = await startReceiver();
  const hits: string[] = [];
  const recorder = createServer((req, res) => {
    // Tests run side by side, each with servers that deliver and probe: a port another file's receiver
    // had, closed and now handed to this recorder, may still get that server's callback or waiter probe.
    // Those say Greenlight, not the Zapier CLI; anything else counts.
    if (!String(req.headers['user-agent'] ?? '').startsWith('Greenlight-Webhooks/')) hits.push(`${req.method} ${req.url}`);
    res.writeHead(503).end();
  });
  zapierApi = { url: await listenOnLoopback(recorder), hits, server: recorder };

  // The build `zapier validate` and `zapier push` would make (scripts/build.mjs), into the app folder.
  const built = spawn(process.execPath, [join(ZAPIER_DIR, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  expect(await new Promise((r) => built.once('exit', r))).toBe(0);
  home = mkdtempSync(join(tmpdir(), 'greenlight-zapier-'));
  writeFileSync(join(home, 'net-guard.cjs'), NET_GUARD);
  seed = await seedOrg(server.db);
  approverKey = (await seed.newKey({ name: 'approver' })).key;
  const client = await registerClient(server, seed, { redirectUris: [REDIRECT] });
  // Two Zapier users, each with a connection (self-approval is forbidden: the approver decides).
  requesterDir = await appFolder('requester', client, await connect(client, await memberWithPassword(server, seed, 'approver')));
  approverDir = await appFolder('approver', client, await connect(client, await memberWithPassword(server, seed, 'approver')));
}, 120_000);

/**
 * A Zapier user connects Greenlight: OAuth with PKCE through the sign-in and consent pages, as
 * Zapier's platform does it (`auth start` is tested on its own below).
 */
async function connect(client: { clientId: string; clientSecret: string }, user: { email: string; password: string }) {
  const { verifier, challenge } = pkcePair();
  const back = await connectInBrowser(server, user, {
    client_id: client.clientId, redirect_uri: REDIRECT, response_type: 'code', state: 'invoke', code_challenge: challenge, code_challenge_method: 'S256',
  } as never);
  const tokens = await tokenRequest(server, {
    grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: REDIRECT, code_verifier: verifier, client_id: client.clientId, client_secret: client.clientSecret,
  }).expect(200);
  return tokens.body as { access_token: string; refresh_token: string };
}

/** The app as `zapier invoke` runs it: package.json, the build, its node_modules, and a `.env` with the connection. */
async function appFolder(name: string, client: { clientId: string; clientSecret: string }, tokens?: { access_token: string; refresh_token: string }) {
  const dir = join(home, name);
  mkdirSync(join(dir, 'dist'), { recursive: true });
  cpSync(join(ZAPIER_DIR, 'package.json'), join(dir, 'package.json'));
  cpSync(join(ZAPIER_DIR, 'dist', 'index.cjs'), join(dir, 'dist', 'index.cjs'));
  symlinkSync(join(ZAPIER_DIR, 'node_modules'), join(dir, 'node_modules'));
  writeFileSync(
    join(dir, '.env'),
    [
      `GREENLIGHT_BASE_URL=${server.url}`,
      `CLIENT_ID=${client.clientId}`,
      `CLIENT_SECRET=${client.clientSecret}`,
      ...(tokens ? [`authData_access_token=${tokens.access_token}`, `authData_refresh_token=${tokens.refresh_token}`] : []),
      '',
    ].join('\n'),
  );
  return dir;
}

afterAll(async () => {
  await receiver?.close();
  await server?.stop();
  await new Promise<void>((r) => (zapierApi ? zapierApi.server.close(() => r()) : r()));
  if (home) rmSync(home, { recursive: true, force: true });
}, 60_000);

type Approval = { id: string; status: string; title: string; callback_url: string | null; external_id: string | null; decision_comment: string | null };

describe('the Zapier app under `zapier invoke` (local mode)', () => {
  it('auth test and auth label answer who the connection is', async () => {
    const [me, label] = await Promise.all([invoked(['auth', 'test']), invoke(['auth', 'label'])]);
    expect(me).toMatchObject({ org: { id: seed.org.id }, user: { email: expect.any(String) } });
    // The label is a function; the CLI prints the test result instead (and says so).
    expect(label.code, label.stderr).toBe(0);
    expect(JSON.parse(label.stdout)).toEqual(me);
  }, 120_000);

  it('every create and the search, the hidden polling triggers, and a callback to a URL given to Request Approval', async () => {
    const externalId = `zap-${Date.now()}`;
    const callbackUrl = `${receiver.url}/hooks/catch/invoke/`;
    const [requested, waiting] = await Promise.all([
      invoked<Approval>(['create', 'request_approval', ...input({
        title: 'Refund order 1042', description: 'Customer asked twice', priority: 'high', external_id: externalId, callback_url: callbackUrl,
        metadata: '{"order":1042,"note":"Refund as asked"}',
        // The reviewer answers an amount and may reword the note: JSON text, as the Zap editor sends it.
        response_schema: JSON.stringify({ type: 'object', properties: { amount: { type: 'number', minimum: 0 } }, required: ['amount'] }),
        editable: '["metadata.note"]',
      })]),
      invoked<Approval & { approved: boolean; outcome: string | null }>(['create', 'request_approval_and_wait', ...input({
        title: 'Deploy v2.4.0', description: 'Production release', priority: 'medium', stop_unless_approved: 'false',
      })]),
    ]);
    expect(requested).toMatchObject({ title: 'Refund order 1042', status: 'pending', external_id: externalId, callback_url: callbackUrl, metadata: { order: 1042 }, editable: ['metadata.note'] });
    // Outside Zapier there is no callback URL to hand over: the request waits without one.
    expect(waiting).toMatchObject({ title: 'Deploy v2.4.0', status: 'pending', callback_url: null, approved: false, outcome: null });

    const [comment, pending, all, actionTypes] = await Promise.all([
      invoked(['create', 'add_comment', ...input({ id: requested.id, body: 'Checked the order' })]),
      invoked<{ id: string; name: string }[]>(['trigger', 'pending_approval_choices']),
      invoked<{ id: string; name: string }[]>(['trigger', 'approval_choices']),
      invoked<{ id: string; name: string }[]>(['trigger', 'action_type_choices']),
    ]);
    expect(comment).toMatchObject({ body: 'Checked the order' });
    expect(pending.map((c) => c.id).sort()).toEqual([requested.id, waiting.id].sort());
    expect(all.map((c) => c.id).sort()).toEqual([requested.id, waiting.id].sort());
    expect(Array.isArray(actionTypes)).toBe(true);

    // Another user's Zap decides (self-approval is forbidden), with that user's connection, answering
    // field by field (the step asks the request's questions one input each) and rewording the note.
    const decided = await invoked<Approval & { callback_delivered: boolean }>(['create', 'decide_approval', ...input({
      id: requested.id, decision: 'approve', comment: 'Refund it', answer__amount: '120', edits: '{"metadata.note":"Refund 120 only"}',
    })], approverDir);
    expect(decided).toMatchObject({
      id: requested.id, status: 'approved', decision_comment: 'Refund it', response: { amount: 120 },
      edits: [{ path: 'metadata.note', before: 'Refund as asked', after: 'Refund 120 only' }], approved_content: { metadata: { order: 1042, note: 'Refund 120 only' } },
    });
    await receiver.until(() => receiver.received.some((r) => r.body.includes(requested.id) && r.body.includes('approval.approved')));

    const [cancelled, found] = await Promise.all([
      invoked<Approval>(['create', 'cancel_approval', ...input({ id: waiting.id })]),
      invoked<Approval[]>(['search', 'find_approval', ...input({ external_id: externalId })]),
    ]);
    expect(cancelled).toMatchObject({ id: waiting.id, status: 'cancelled' });
    expect(found).toEqual([expect.objectContaining({ id: requested.id, status: 'approved', comments_count: 1 })]);
    expect(await invoked<{ id: string }[]>(['trigger', 'pending_approval_choices'])).toEqual([]);
    // Greenlight holds what the steps did.
    const stored = (await server.http(approverKey).get(`/api/v1/approvals/${requested.id}`).expect(200)).body as Approval;
    expect(stored).toMatchObject({ status: 'approved', decision_comment: 'Refund it' });
  }, 180_000);

  it('a REST-hook trigger is not something invoke can run: its perform needs a signed delivery', async () => {
    const r = await invoke(['trigger', 'approval_decided']);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('This delivery cannot be verified');
  }, 120_000);

  it('auth start: the CLI opens the browser on the authorize URL, the user signs in and consents, and the tokens land in .env', async () => {
    // Zapier's CLI opens the URL with the `open` package, whose xdg-open honours $BROWSER: the
    // "browser" hands the URL to the test, which signs a user in and consents through Greenlight's
    // real pages, then follows the redirect to the CLI's local server, as a browser would.
    const port = await portForLaterBind();
    const redirectUri = `http://127.0.0.1:${port}/`;
    const client = await registerClient(server, seed, { name: 'Zapier (invoke)', redirectUris: [redirectUri] });
    const user = await memberWithPassword(server, seed, 'approver');
    const dir = await appFolder('auth-start', client);
    const opened: string[] = [];
    const failures: unknown[] = [];
    const person = createServer((req, res) => {
      let url = '';
      req.on('data', (d) => (url += d));
      req.on('end', () => {
        opened.push(url);
        void (async () => {
          const authorize = new URL(url);
          const back = await connectInBrowser(server, user, Object.fromEntries(authorize.searchParams) as never);
          expect(back.origin + back.pathname).toBe(redirectUri);
          const landed = await fetch(back);
          expect(landed.status).toBe(200);
        })()
          .catch((error: unknown) => failures.push(error))
          .finally(() => res.end());
      });
    });
    const handoff = await listenOnLoopback(person);
    const browser = join(home, 'browser.cjs');
    writeFileSync(browser, `#!/usr/bin/env node\nfetch(${JSON.stringify(handoff)}, { method: 'POST', body: process.argv[2] }).catch(() => process.exit(1));\n`, { mode: 0o755 });
    try {
      const started = await invoke(['auth', 'start', '--redirect-uri', redirectUri, '--local-port', String(port)], dir, 60_000, { BROWSER: browser });
      expect(failures).toEqual([]);
      expect(started.code, started.stdout + started.stderr).toBe(0);
    } finally {
      await new Promise<void>((r) => person.close(() => r()));
    }
    expect(opened).toHaveLength(1);
    const authorize = new URL(opened[0]!);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${server.url}/oauth/authorize`);
    expect(authorize.searchParams.get('client_id')).toBe(client.clientId);
    // The CLI's own flow sends no PKCE challenge (Zapier's platform does): documented in the README.
    expect(authorize.searchParams.get('code_challenge')).toBeNull();
    const env = readFileSync(join(dir, '.env'), 'utf8');
    expect(env).toMatch(/authData_access_token='?glat_/);
    expect(env).toMatch(/authData_refresh_token='?glrt_/);
    expect(await invoked(['auth', 'test'], dir)).toMatchObject({ user: { email: user.email }, org: { id: seed.org.id } });
  }, 120_000);

  it('auth refresh rotates the tokens into .env, and the next invocation uses the new pair', async () => {
    const before = readFileSync(join(requesterDir, '.env'), 'utf8');
    const oldAccess = /authData_access_token=(\S+)/.exec(before)![1]!;
    const refreshed = await invoke(['auth', 'refresh']);
    expect(refreshed.code, refreshed.stderr).toBe(0);
    const after = readFileSync(join(requesterDir, '.env'), 'utf8');
    const accessTokens = [...after.matchAll(/authData_access_token='?([^'\s]+)'?/g)].map((m) => m[1]);
    expect(accessTokens).toHaveLength(2);
    expect(accessTokens[1]).toMatch(/^glat_/);
    expect(accessTokens[1]).not.toBe(oldAccess);
    const refreshTokens = [...after.matchAll(/authData_refresh_token='?([^'\s]+)'?/g)].map((m) => m[1]);
    expect(refreshTokens).toHaveLength(2);
    expect(refreshTokens[1]).not.toBe(refreshTokens[0]);
    const fresh = await fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${accessTokens[1]!}` } });
    expect(fresh.status).toBe(200);
    // dotenv keeps the last value of a name: the next invocation runs with the new pair.
    expect(await invoked(['auth', 'test'])).toMatchObject({ org: { id: seed.org.id } });
  }, 120_000);

  it('nothing called Zapier, and the CLI connected to nothing but loopback', () => {
    expect(zapierApi.hits).toEqual([]);
    const log = join(home, 'non-loopback.log');
    // The guard ran in every CLI process (one per invocation, at least) …
    expect(readFileSync(`${log}.loaded`, 'utf8').trim().split('\n').length).toBeGreaterThanOrEqual(15);
    // … and saw no connection beyond loopback.
    expect(existsSync(log) ? readFileSync(log, 'utf8') : '').toBe('');
  });
});
