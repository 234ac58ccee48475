/**
 * The Zapier app against the real Greenlight server and its real authorization server, run by
 * Zapier's own runtime (zapier-platform-core): OAuth with PKCE through the sign-in and consent
 * pages, a refresh once the access token has expired, a REST hook delivered to a local catch URL,
 * "request approval and wait" resumed by the callback (and not by another request's, sent to the
 * same callback URL), and unsubscribing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, usePolicies, type SeededOrg, type TestServer, connectInBrowser, memberWithPassword, pkcePair, registerClient, startReceiver, type Received, type TestReceiver } from '@greenlight/server/testing';
import { App, createAppHandler, runAt as run } from '../packages/zapier/test/runtime.ts';

const REDIRECT = 'https://zapier.com/dashboard/auth/oauth/return/App123CLIAPI/';
const handler = createAppHandler(App);

let server: TestServer;
let receiver: TestReceiver;

beforeAll(async () => {
  server = await startTestServer({
    config: {
      // The catch and callback URLs are on loopback here; in production they are Zapier's public hosts.
      GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8',
      GREENLIGHT_DELIVERY_SCHEDULE: '0,200ms,200ms',
      GREENLIGHT_DELIVERY_SWEEP_MS: '100',
      GREENLIGHT_EXPIRY_SWEEP_MS: '200',
    },
  });
  receiver = await startReceiver();
  process.env.GREENLIGHT_BASE_URL = server.url;
}, 60_000);
afterAll(async () => {
  await receiver?.close();
  await server?.stop();
}, 60_000);

type AuthData = { access_token: string; refresh_token: string };

/** Renders the authorize URL as Zapier does: the `{{…}}` template, then PKCE's challenge (enablePkce). */
function authorizeUrl(state: string, challenge: string): URL {
  const spec = App.authentication!.oauth2Config!.authorizeUrl as { url: string; params: Record<string, string> };
  const render = (t: string) =>
    t
      .replace('{{process.env.GREENLIGHT_BASE_URL}}', process.env.GREENLIGHT_BASE_URL!)
      .replace('{{process.env.CLIENT_ID}}', process.env.CLIENT_ID!)
      .replace('{{bundle.inputData.state}}', state)
      .replace('{{bundle.inputData.redirect_uri}}', REDIRECT);
  const url = new URL(render(spec.url));
  for (const [k, v] of Object.entries(spec.params)) url.searchParams.set(k, render(v));
  url.searchParams.set('code_challenge', challenge);
  url.searchParams.set('code_challenge_method', 'S256');
  return url;
}

/** A Zapier user connects Greenlight: the whole OAuth dance, then the connection test. */
async function connect(seed: SeededOrg) {
  const client = await registerClient(server, seed, { redirectUris: [REDIRECT] });
  process.env.CLIENT_ID = client.clientId;
  process.env.CLIENT_SECRET = client.clientSecret;
  const user = await memberWithPassword(server, seed, 'approver');
  const { verifier, challenge } = pkcePair(); // Zapier makes these
  const url = authorizeUrl('zapier-state-123', challenge);
  expect(url.pathname).toBe('/oauth/authorize');
  const back = await connectInBrowser(server, user, Object.fromEntries(url.searchParams) as never);
  expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
  expect(back.searchParams.get('state')).toBe('zapier-state-123');
  const authData = await run<AuthData>('authentication.oauth2Config.getAccessToken', {
    inputData: { code: back.searchParams.get('code'), redirect_uri: REDIRECT, state: 'zapier-state-123', code_verifier: verifier },
  });
  return { client, user, authData };
}

/** A delivery as Zapier hands it to `perform`: headers CGI-style, the raw body and its parsed form. */
const asZapierRequest = (r: Received) => ({
  rawRequest: {
    method: 'POST',
    headers: Object.fromEntries(
      Object.entries(r.headers).map(([k, v]) => [`Http-${k.replace(/(^|-)([a-z])/g, (_, d: string, c: string) => d + c.toUpperCase())}`, String(v)]),
    ),
    content: r.body,
    querystring: '',
  },
  cleanedRequest: JSON.parse(r.body) as unknown,
});

const decide = (seed: SeededOrg, id: string, decision: 'approve' | 'reject', comment: string) =>
  server.http(seed.key).patch(`/api/v1/approvals/${id}`).send({ decision, comment }).expect(200);

describe('Zapier app end to end', () => {
  it('connects with OAuth + PKCE, tests and labels the connection, and refreshes after the access token expires', async () => {
    const seed = await seedOrg(server.db);
    const { client, user, authData } = await connect(seed);
    expect(authData.access_token).toMatch(/^glat_/);
    expect(authData.refresh_token).toMatch(/^glrt_/);

    const me = await run<Record<string, unknown>>('authentication.test', { authData });
    expect(me).toMatchObject({ user: { email: user.email }, org: { id: seed.org.id } });
    expect(await run('authentication.connectionLabel', { authData, inputData: me })).toBe(`${user.email} (${seed.org.name})`);

    // An hour later: the access token has lapsed.
    await server.db.exec(`UPDATE oauth_tokens SET expires_at = now() - interval '1 second' WHERE kind = 'access' AND client_id = '${client.id}'`);
    await expect(run('authentication.test', { authData })).rejects.toMatchObject({ name: 'RefreshAuthError' });

    // What Zapier does on RefreshAuthError: refresh (rotating the pair) and run the step again.
    const renewed = await run<AuthData>('authentication.oauth2Config.refreshAccessToken', { authData });
    expect(renewed.access_token).not.toBe(authData.access_token);
    expect(renewed.refresh_token).not.toBe(authData.refresh_token);
    expect(await run('authentication.test', { authData: renewed })).toMatchObject({ user: { email: user.email } });
  });

  it('subscribes a REST hook, maps the signed delivery of a decision, and unsubscribes', async () => {
    const seed = await seedOrg(server.db);
    const { authData } = await connect(seed);
    const targetUrl = `${receiver.url}/hooks/catch/123/decided/`;
    const subscribeData = await run<{ id: string; secret: string }>('triggers.approval_decided.operation.performSubscribe', {
      authData,
      targetUrl,
      inputData: { outcomes: ['approved'] },
    });
    expect(subscribeData.secret).toMatch(/^whsec_/);

    const created = await run<{ id: string; status: string }>('creates.request_approval.operation.perform', {
      authData,
      inputData: { title: 'Refund order 1042', description: 'Customer asked twice', priority: 'medium', external_id: `ord-1042-${seed.org.slug}` },
    });
    expect(created.status).toBe('pending');
    await decide(seed, created.id, 'approve', 'Refund it');

    await receiver.until(() => receiver.received.some((r) => r.headers['content-type'] === 'application/json' && JSON.parse(r.body).data?.approval_id === created.id));
    const delivery = receiver.received.find((r) => JSON.parse(r.body).data?.approval_id === created.id)!;
    const items = await run<Record<string, unknown>[]>('triggers.approval_decided.operation.perform', {
      authData,
      inputData: { outcomes: ['approved'] },
      subscribeData,
      ...asZapierRequest(delivery),
    });
    expect(items).toEqual([expect.objectContaining({ id: created.id, status: 'approved', decision_comment: 'Refund it' })]);

    // The same decision is what the editor's sample (performList) and the search find.
    const listed = await run<{ id: string }[]>('triggers.approval_decided.operation.performList', { authData, inputData: { outcomes: ['approved'] } });
    expect(listed.map((a) => a.id)).toContain(created.id);
    const found = await run<{ id: string }[]>('searches.find_approval.operation.perform', { authData, inputData: { external_id: `ord-1042-${seed.org.slug}` } });
    expect(found.map((a) => a.id)).toEqual([created.id]);

    expect(await run('triggers.approval_decided.operation.performUnsubscribe', { authData, subscribeData })).toEqual({ id: subscribeData.id, deleted: true });
    await server.http(seed.key).get(`/api/v1/webhooks/${subscribeData.id}`).expect(404);
    // Turning the Zap off twice is harmless: already gone counts as unsubscribed.
    expect(await run('triggers.approval_decided.operation.performUnsubscribe', { authData, subscribeData })).toEqual({ id: subscribeData.id, deleted: false });
  });

  it('performList of every REST-hook trigger lists what happened (zapier invoke cannot run performList)', async () => {
    const seed = await seedOrg(server.db);
    const { authData } = await connect(seed);
    const created = await run<{ id: string }>('creates.request_approval.operation.perform', { authData, inputData: { title: 'List me', description: 'd', priority: 'low' } });
    const comment = await run<{ id: string }>('creates.add_comment.operation.perform', { authData, inputData: { id: created.id, body: 'A sample comment' } });
    await decide(seed, created.id, 'reject', 'No');
    const list = (key: string, inputData: Record<string, unknown> = {}) => run<{ id: string }[]>(`triggers.${key}.operation.performList`, { authData, inputData });
    expect(await list('new_approval')).toEqual([expect.objectContaining({ id: created.id, title: 'List me' })]);
    expect(await list('approval_decided', { outcomes: ['rejected'] })).toEqual([expect.objectContaining({ id: created.id, status: 'rejected', decision_comment: 'No' })]);
    expect(await list('approval_decided', { outcomes: ['approved'] })).toEqual([]);
    expect(await list('new_comment')).toEqual([expect.objectContaining({ id: comment.id, body: 'A sample comment' })]);
  });

  it('"request approval and wait": the decision reaches the callback URL and performResume continues with it', async () => {
    const seed = await seedOrg(server.db);
    const { authData } = await connect(seed);
    const callbackUrl = `${receiver.url}/hooks/callback/run-1/`;
    const bundle = { authData, inputData: { title: 'Deploy v2.4.0', description: 'Production release', priority: 'high', stop_unless_approved: false } };

    const paused = await handler({ command: 'execute', method: 'creates.request_approval_and_wait.operation.perform', bundle, callback_url: callbackUrl });
    expect(paused.status).toBe('CALLBACK'); // Zapier pauses the Zap here
    const outputData = paused.results as { id: string; status: string; callback_url: string };
    expect(outputData).toMatchObject({ status: 'pending', callback_url: callbackUrl, approved: false });

    await decide(seed, outputData.id, 'approve', 'Ship it');
    await receiver.until(() => receiver.received.some((r) => r.body.includes(outputData.id) && r.body.includes('approval.approved')));
    const callback = receiver.received.find((r) => r.body.includes(outputData.id) && r.body.includes('approval.approved'))!;

    const resumed = await run<Record<string, unknown>>('creates.request_approval_and_wait.operation.performResume', { ...bundle, outputData, ...asZapierRequest(callback) });
    expect(resumed).toMatchObject({ id: outputData.id, status: 'approved', approved: true, decision_comment: 'Ship it' });
  });

  it('"request approval and wait" decided by a policy as it is made: the callback comes at once and performResume continues as for a person', async () => {
    const seed = await seedOrg(server.db);
    await usePolicies(server, seed);
    const { authData } = await connect(seed);
    const callbackUrl = `${receiver.url}/hooks/callback/run-policy/`;
    const bundle = { authData, inputData: { title: 'Read the logs', description: 'x', priority: 'low', action_type: 'read.logs', stop_unless_approved: true } };
    const paused = await handler({ command: 'execute', method: 'creates.request_approval_and_wait.operation.perform', bundle, callback_url: callbackUrl });
    const outputData = paused.results as { id: string };
    expect(outputData).toMatchObject({ status: 'approved', approved: true, outcome: 'approved', decided_by_type: 'policy' });
    await receiver.until(() => receiver.received.some((r) => r.body.includes(outputData.id) && r.body.includes('approval.approved')));
    const callback = receiver.received.find((r) => r.body.includes(outputData.id) && r.body.includes('approval.approved'))!;
    expect(callback.path).toBe('/hooks/callback/run-policy/');
    const resumed = await run<Record<string, unknown>>('creates.request_approval_and_wait.operation.performResume', { ...bundle, outputData, ...asZapierRequest(callback) });
    expect(resumed).toMatchObject({ id: outputData.id, status: 'approved', approved: true, decided_by_type: 'policy', decided_by_policy: { id: 'reads-are-safe' } });
  });

  it('"request approval and wait" and the hijack: another request’s signed approval at the callback URL continues nothing as approved', async () => {
    const seed = await seedOrg(server.db);
    const { authData } = await connect(seed);
    const callbackUrl = `${receiver.url}/hooks/callback/run-3/`;
    const bundle = { authData, inputData: { title: 'Wire 40k EUR', description: 'Vendor invoice', priority: 'high', stop_unless_approved: false } };
    const paused = await handler({ command: 'execute', method: 'creates.request_approval_and_wait.operation.perform', bundle, callback_url: callbackUrl });
    const outputData = paused.results as { id: string };

    // Another key of the org names the Zap's callback URL on a request of its own, approved by expiry.
    const other = await server.http(seed.key).post('/api/v1/approvals')
      .send({ title: 'x', description: 'x', priority: 'low', callback_url: callbackUrl, expires_at: new Date(Date.now() + 1500).toISOString(), on_expiry: 'approve' })
      .expect(201);
    await receiver.until(() => receiver.received.some((r) => r.body.includes(other.body.id as string) && r.body.includes('approval.approved')), 30_000);
    const hijack = receiver.received.find((r) => r.body.includes(other.body.id as string) && r.body.includes('approval.approved'))!;
    expect(hijack.path).toBe('/hooks/callback/run-3/');

    // Zapier wakes the step with it: performResume reads its own request back, which is still pending.
    const error = await run('creates.request_approval_and_wait.operation.performResume', { ...bundle, outputData, ...asZapierRequest(hijack) }).catch((e: Error) => e);
    // Zapier's runtime hands the step's error on as JSON (message, code, status).
    expect(JSON.parse((error as Error).message.split('\n')[0]!)).toMatchObject({ code: 'NOT_THIS_REQUEST', status: 409, message: expect.stringContaining(`another request (${other.body.id as string})`) });
    expect((await server.http(seed.key).get(`/api/v1/approvals/${outputData.id}`).expect(200)).body).toMatchObject({ status: 'pending' });

    // Its own decision is what a resume continues with.
    await decide(seed, outputData.id, 'reject', 'Not this vendor');
    await receiver.until(() => receiver.received.some((r) => r.body.includes(outputData.id) && r.body.includes('approval.rejected')));
    const own = receiver.received.find((r) => r.body.includes(outputData.id) && r.body.includes('approval.rejected'))!;
    const resumed = await run<Record<string, unknown>>('creates.request_approval_and_wait.operation.performResume', { ...bundle, outputData, ...asZapierRequest(own) });
    expect(resumed).toMatchObject({ id: outputData.id, status: 'rejected', approved: false, outcome: 'rejected' });
  });

  it('"request approval and wait" set to stop: a rejection halts the Zap with the reason', async () => {
    const seed = await seedOrg(server.db);
    const { authData } = await connect(seed);
    const callbackUrl = `${receiver.url}/hooks/callback/run-2/`;
    const bundle = { authData, inputData: { title: 'Delete account 77', description: 'GDPR request', priority: 'critical', stop_unless_approved: true } };
    const paused = await handler({ command: 'execute', method: 'creates.request_approval_and_wait.operation.perform', bundle, callback_url: callbackUrl });
    const outputData = paused.results as { id: string };

    await decide(seed, outputData.id, 'reject', 'Legal hold');
    await receiver.until(() => receiver.received.some((r) => r.body.includes(outputData.id) && r.body.includes('approval.rejected')));
    const callback = receiver.received.find((r) => r.body.includes(outputData.id) && r.body.includes('approval.rejected'))!;

    const error = await run('creates.request_approval_and_wait.operation.performResume', { ...bundle, outputData, ...asZapierRequest(callback) }).catch((e: Error) => e);
    expect(error).toMatchObject({ name: 'HaltedError' });
    expect((error as Error).message.split('\n')[0]).toBe('"Delete account 77" was rejected: Legal hold. The Zap stops here, as this step is set to.');
  });
});
