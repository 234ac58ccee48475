/**
 * The Make app's connections, actions, searches and RPCs, executed from the app's own JSON files
 * (through the IML evaluator and the Make runtime stand-in) against a real Greenlight server:
 * each module's happy path and how each failure maps to a Make error type.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, connectInBrowser, memberWithPassword, registerClient, setEmergencyStop } from '@greenlight/server/testing';
import { classifyError } from '@greenlight/triggers';
import { MakeError, MakeRuntime, type MakeConnection } from '../packages/make/src/index.ts';

let server: harness.TestServer;
beforeAll(async () => {
  server = await harness.startTestServer();
});
afterAll(() => server?.stop());

const MAKE_REDIRECT = 'https://www.make.com/oauth/cb/app';

async function apiKeyConnection(runtime: MakeRuntime, key: string): Promise<MakeConnection> {
  return runtime.connectBasic('greenlightApiKey', { baseUrl: server.url, apiKey: key });
}

async function world() {
  const seed = await harness.seedOrg(server.db);
  const runtime = new MakeRuntime();
  const requester = await apiKeyConnection(runtime, seed.key);
  const approverKey = await seed.newKey({ name: 'Approver bot' });
  const approver = await apiKeyConnection(runtime, approverKey.key);
  return { seed, runtime, requester, approver };
}

/** `n` requests in one INSERT (one `now()`: the same timestamp to the microsecond), with their events. */
async function bulkCreate(seed: harness.SeededOrg, n: number): Promise<string[]> {
  const { rows } = await server.db.query<{ approval_id: string }>(
    `WITH ins AS (
       INSERT INTO approvals (org_id, connection_id, requested_by_type, requested_by_id, requested_by_name, title, description, priority)
       SELECT $1::uuid, $2::uuid, 'connection', $2::uuid, 'bulk', 'Bulk ' || g, 'd', 'low' FROM generate_series(1, $3::int) g
       RETURNING id, org_id
     )
     INSERT INTO events (org_id, approval_id, type, actor_type, actor_id, actor_name, from_status, to_status, data)
     SELECT org_id, id, 'approval.created', 'connection', $2::uuid, 'bulk', NULL, 'pending', '{}'::jsonb FROM ins
     RETURNING approval_id::text`,
    [seed.org.id, seed.connectionId, n],
  );
  return rows.map((r) => r.approval_id);
}

const errorOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    if (e instanceof MakeError) return { type: e.type, status: e.statusCode, message: e.message, body: e.body, headers: e.headers };
    throw e;
  }
  throw new Error('expected a MakeError');
};

describe('connections', () => {
  it('API key: the info call names the key and the org; modules then authenticate with it', async () => {
    const seed = await harness.seedOrg(server.db, 'Acme Robotics');
    const runtime = new MakeRuntime();
    const conn = await apiKeyConnection(runtime, seed.key);
    expect(conn.uid).toBe(seed.connectionId);
    expect(conn.metadata).toEqual({ type: 'text', value: 'primary (Acme Robotics)' });
    expect(runtime.log.every((l) => l.request.headers.authorization === '[sanitized]')).toBe(true);
  });

  it('API key: a wrong key fails the connection test with InvalidAccessTokenError', async () => {
    const runtime = new MakeRuntime();
    const e = await errorOf(apiKeyConnection(runtime, `gk_${'0'.repeat(64)}`));
    expect(e).toMatchObject({ type: 'InvalidAccessTokenError', status: 401, body: { error: { code: 'UNAUTHORIZED' } } });
    // The message every platform shows for this failure (packages/triggers).
    expect(e.message).toBe(classifyError(401, e.body, e.headers).message);
  });

  it('OAuth 2.0: PKCE through the real sign-in and consent pages, info names the account, refresh rotates the tokens', async () => {
    const seed = await harness.seedOrg(server.db, 'Acme Ops');
    const client = await registerClient(server, seed, { name: 'Make', redirectUris: [MAKE_REDIRECT] });
    const user = await memberWithPassword(server, seed, 'approver');
    let now = new Date();
    const runtime = new MakeRuntime(undefined, () => now);
    const params = { baseUrl: server.url, clientId: client.clientId, clientSecret: client.clientSecret };
    const oauth = { localRedirectUri: MAKE_REDIRECT };

    const { url, temp } = runtime.authorizeUrl('greenlightOauth', params, oauth);
    const authorize = new URL(url);
    const verifier = String(temp.codeVerifier);
    // RFC 7636 §4.1: 43–128 unreserved characters (Make's documented {{uuid}} has 36).
    expect(verifier).toMatch(/^[A-Za-z0-9\-._~]{43,128}$/);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    const { createHash } = await import('node:crypto');
    expect(authorize.searchParams.get('code_challenge')).toBe(createHash('sha256').update(verifier).digest('base64url'));
    expect(authorize.searchParams.get('redirect_uri')).toBe(MAKE_REDIRECT);
    expect(authorize.searchParams.get('scope')).toBe('approvals:read approvals:write comments:write');
    // Two authorizations never share a verifier.
    expect(runtime.authorizeUrl('greenlightOauth', params, oauth).temp.codeVerifier).not.toBe(verifier);

    const back = await connectInBrowser(server, user, Object.fromEntries(authorize.searchParams) as never);
    expect(back.origin + back.pathname).toBe(MAKE_REDIRECT);
    const conn = await runtime.completeOAuth('greenlightOauth', params, oauth, temp, Object.fromEntries(back.searchParams));
    expect(conn.data.accessToken).toMatch(/^glat_/);
    expect(conn.data.refreshToken).toMatch(/^glrt_/);
    expect(conn.uid).toBe(user.id);
    expect(conn.metadata).toEqual({ type: 'text', value: `${user.email} (Acme Ops)` });
    const tokenLog = runtime.log.find((l) => l.request.url.endsWith('/oauth/token'))!;
    expect(tokenLog.request.body).toMatchObject({ client_secret: '[sanitized]', code_verifier: '[sanitized]', code: '[sanitized]' });
    expect(JSON.stringify(runtime.log)).not.toContain(String(conn.data.accessToken));

    // A module runs with the access token; the request is made as the signed-in user.
    const [created] = await runtime.run('requestApproval', conn, { title: 'Rotate prod keys', description: 'Quarterly', priority: 'medium' });
    expect(created).toMatchObject({ status: 'pending', requested_by: { type: 'user', id: user.id } });

    // An hour later the access token is due: Make refreshes before the next module.
    now = new Date(Date.parse(String(conn.data.expires)) + 1000);
    const fresh = await runtime.ensureFresh(conn);
    expect(fresh.data.accessToken).not.toBe(conn.data.accessToken);
    expect(fresh.data.refreshToken).not.toBe(conn.data.refreshToken);
    expect(Date.parse(String(fresh.data.expires))).toBeGreaterThan(now.getTime());
    const [again] = await runtime.run('getApproval', fresh, { id: (created as { id: string }).id });
    expect(again).toMatchObject({ id: (created as { id: string }).id });
    // The rotated-out access token no longer works… and the old refresh token was replaced.
    await server.http(String(conn.data.accessToken)).get('/api/v1/me').expect(200); // access tokens live until they expire
    const e = await errorOf(runtime.refresh({ ...fresh, data: { ...fresh.data, refreshToken: 'glrt_forged' } }));
    expect(e).toMatchObject({ type: 'InvalidAccessTokenError', status: 400 });
    expect(e.message).toContain('invalid_grant');

    // Deleting the connection in Make revokes the grant.
    await runtime.invalidate(fresh);
    await server.http(String(fresh.data.accessToken)).get('/api/v1/me').expect(401);
  });

  it('OAuth 2.0: a token exchange without the right verifier is refused', async () => {
    const seed = await harness.seedOrg(server.db);
    const client = await registerClient(server, seed, { name: 'Make', redirectUris: [MAKE_REDIRECT] });
    const user = await memberWithPassword(server, seed, 'approver');
    const runtime = new MakeRuntime();
    const params = { baseUrl: server.url, clientId: client.clientId, clientSecret: client.clientSecret };
    const oauth = { localRedirectUri: MAKE_REDIRECT };
    const { url, temp } = runtime.authorizeUrl('greenlightOauth', params, oauth);
    const back = await connectInBrowser(server, user, Object.fromEntries(new URL(url).searchParams) as never);
    const other = runtime.authorizeUrl('greenlightOauth', params, oauth).temp;
    const e = await errorOf(runtime.completeOAuth('greenlightOauth', params, oauth, { ...temp, codeVerifier: other.codeVerifier }, Object.fromEntries(back.searchParams)));
    expect(e).toMatchObject({ type: 'InvalidAccessTokenError', status: 400 });
    expect(e.message).toContain('invalid_grant');
  });
});

describe('actions', () => {
  it('Request Approval sends every mapped field in the API’s shape and leaves unmapped ones out', async () => {
    const { runtime, requester } = await world();
    const [a] = (await runtime.run('requestApproval', requester, {
      title: 'Delete user #4821',
      description: 'Support ticket SUP-1',
      priority: 'high',
      callback_url: 'https://hooks.example.com/greenlight',
      action_type: 'user.delete',
      metadata: { user_id: '4821' },
      tags: [
        { key: 'env', value: 'production' },
        { key: 'team', value: 'platform' },
      ],
      required_approvals: 2,
      is_sequential: false,
      source: 'make',
      external_id: 'SUP-1',
      expires_at: '2099-01-01T00:00:00.000Z',
      on_expiry: 'reject',
      resource: { type: 'user', id: '4821', name: 'Jane' },
      changes: { before: { plan: 'pro' }, after: { plan: null } },
    })) as Record<string, unknown>[];
    expect(a).toMatchObject({
      title: 'Delete user #4821',
      status: 'pending',
      priority: 'high',
      callback_url: 'https://hooks.example.com/greenlight',
      metadata: { user_id: '4821' },
      tags: { env: 'production', team: 'platform' },
      required_approvals: 2,
      external_id: 'SUP-1',
      expires_at: '2099-01-01T00:00:00.000Z',
      on_expiry: 'reject',
      resource: { type: 'user', id: '4821', name: 'Jane' },
      changes: { before: { plan: 'pro' }, after: { plan: null } },
    });
    const sent = runtime.log.at(-1)!.request.body as Record<string, unknown>;
    const [minimal] = (await runtime.run('requestApproval', requester, { title: 'Minimal', description: 'x', priority: 'low' })) as Record<string, unknown>[];
    expect(minimal).toMatchObject({ title: 'Minimal', tags: {}, metadata: {}, external_id: null });
    expect(Object.keys(runtime.log.at(-1)!.request.body as object).sort()).toEqual(['description', 'priority', 'title']);
    expect(sent.tags).toEqual({ env: 'production', team: 'platform' });
  });

  it('Approve or Reject, Add Comment, Configure Steps and Cancel', async () => {
    const { seed, runtime, requester, approver } = await world();
    const [a] = (await runtime.run('requestApproval', requester, { title: 'A', description: 'd', priority: 'low' })) as { id: string }[];
    const [decided] = (await runtime.run('decideApproval', approver, { id: a!.id, decision: 'approve', comment: 'ok' })) as Record<string, unknown>[];
    expect(decided).toMatchObject({ id: a!.id, status: 'approved', decision_comment: 'ok', callback_delivered: false });

    const [comment] = (await runtime.run('addComment', requester, { id: a!.id, body: 'Thanks' })) as Record<string, unknown>[];
    expect(comment).toMatchObject({ approval_request_id: a!.id, body: 'Thanks', author: { type: 'connection' } });

    const [b] = (await runtime.run('requestApproval', requester, { title: 'B', description: 'd', priority: 'low', is_sequential: true })) as { id: string }[];
    const u1 = await seed.addUser('approver');
    const u2 = await seed.addUser('approver');
    const [steps] = (await runtime.run('configureSteps', requester, {
      id: b!.id,
      steps: [
        { approver_id: u1.id, step_order: 1 },
        { approver_id: u2.id, step_order: 2 },
      ],
    })) as { data: Record<string, unknown>[] }[];
    expect(steps!.data.map((s) => [s.step_order, s.approver_id, s.status])).toEqual([
      [1, u1.id, 'pending'],
      [2, u2.id, 'pending'],
    ]);

    const [cancelled] = (await runtime.run('cancelApproval', requester, { id: b!.id })) as Record<string, unknown>[];
    expect(cancelled).toMatchObject({ id: b!.id, status: 'cancelled' });
    expect(runtime.log.at(-1)!.request.method).toBe('DELETE');
    expect(runtime.log.at(-1)!.request.body).toBeUndefined();
  });

  type Case = [name: string, run: (w: Awaited<ReturnType<typeof world>>, id: string) => Promise<unknown>, type: string, status: number, code: string];
  const missing = '00000000-0000-4000-8000-000000000000';
  it.each<Case>([
    ['Request Approval without a title', (w) => w.runtime.run('requestApproval', w.requester, { description: 'd', priority: 'low' }), 'DataError', 400, 'VALIDATION_ERROR'],
    ['Request Approval reusing an external ID', async (w) => {
      await w.runtime.run('requestApproval', w.requester, { title: 't', description: 'd', priority: 'low', external_id: 'DUP-1' });
      return w.runtime.run('requestApproval', w.requester, { title: 't2', description: 'd', priority: 'low', external_id: 'DUP-1' });
    }, 'DuplicateDataError', 409, 'EXTERNAL_ID_CONFLICT'],
    ['Approve or Reject by the requester itself', (w, id) => w.runtime.run('decideApproval', w.requester, { id, decision: 'approve' }), 'InvalidConfigurationError', 403, 'SELF_APPROVAL_FORBIDDEN'],
    ['Approve or Reject twice', async (w, id) => {
      await w.runtime.run('decideApproval', w.approver, { id, decision: 'reject' });
      return w.runtime.run('decideApproval', w.approver, { id, decision: 'approve' });
    }, 'DataError', 409, 'INVALID_STATUS'],
    ['Approve or Reject an unknown request', (w) => w.runtime.run('decideApproval', w.approver, { id: missing, decision: 'approve' }), 'DataError', 404, 'NOT_FOUND'],
    ['Cancel a decided request', async (w, id) => {
      await w.runtime.run('decideApproval', w.approver, { id, decision: 'approve' });
      return w.runtime.run('cancelApproval', w.requester, { id });
    }, 'DataError', 409, 'INVALID_STATUS'],
    ['Add Comment with an empty body', (w, id) => w.runtime.run('addComment', w.requester, { id, body: '' }), 'DataError', 400, 'VALIDATION_ERROR'],
    ['Configure Steps with no steps', (w, id) => w.runtime.run('configureSteps', w.requester, { id, steps: [] }), 'DataError', 400, 'VALIDATION_ERROR'],
    ['Get Approval Request of an unknown id', (w) => w.runtime.run('getApproval', w.requester, { id: missing }), 'DataError', 404, 'NOT_FOUND'],
    ['List with an unknown status', (w) => w.runtime.run('listApprovals', w.requester, { status: ['maybe'], limit: 5 }), 'DataError', 400, 'VALIDATION_ERROR'],
    ['a key without the scope', async (w, id) => {
      const readOnly = await w.seed.newKey({ scopes: ['approvals:read'] });
      const conn = await w.runtime.connectBasic('greenlightApiKey', { baseUrl: server.url, apiKey: readOnly.key });
      return w.runtime.run('cancelApproval', conn, { id });
    }, 'InvalidConfigurationError', 403, 'INSUFFICIENT_SCOPE'],
    ['a revoked key', async (w, id) => {
      const k = await w.seed.newKey();
      const conn = await w.runtime.connectBasic('greenlightApiKey', { baseUrl: server.url, apiKey: k.key });
      await server.db.query('UPDATE connections SET revoked_at = now() WHERE id = $1', [k.connectionId]);
      // A revocation made in the database reaches the server's key cache by NOTIFY, a moment later.
      await expect
        .poll(async () => (await fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${k.key}` } })).status, { timeout: 5_000 })
        .toBe(401);
      return w.runtime.run('getApproval', conn, { id });
    }, 'InvalidAccessTokenError', 401, 'UNAUTHORIZED'],
    ['a key over its rate limit', async (w, id) => {
      const k = await w.seed.newKey({ rateLimit: 1 });
      const conn = await w.runtime.connectBasic('greenlightApiKey', { baseUrl: server.url, apiKey: k.key });
      return w.runtime.run('getApproval', conn, { id });
    }, 'RateLimitError', 429, 'RATE_LIMITED'],
    ['the emergency stop', async (w) => {
      await setEmergencyStop(server.db, w.seed.org.id, true);
      return w.runtime.run('requestApproval', w.requester, { title: 't', description: 'd', priority: 'low' });
    }, 'ConnectionError', 503, 'EMERGENCY_STOP'],
  ])('%s → %s', async (_name, run, type, status, code) => {
    const w = await world();
    const [a] = (await w.runtime.run('requestApproval', w.requester, { title: 'Target', description: 'd', priority: 'low' })) as { id: string }[];
    const e = await errorOf(run(w, a!.id));
    expect(e).toMatchObject({ type, status, body: { error: { code } } });
    expect(e.message).toBe(classifyError(status, e.body, e.headers).message);
  });
});

describe('searches and RPCs', () => {
  it('List / Search follows pages up to the limit; filters travel as the API expects', async () => {
    const { runtime, requester } = await world();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const [a] = (await runtime.run('requestApproval', requester, { title: `Deploy ${i}`, description: 'd', priority: i % 2 ? 'high' : 'low', tags: [{ key: 'env', value: i < 4 ? 'prod' : 'dev' }] })) as { id: string }[];
      ids.push(a!.id);
    }
    const all = (await runtime.run('listApprovals', requester, { limit: 100, sort: 'created_at' })) as { id: string }[];
    expect(all.map((a) => a.id)).toEqual(ids);
    const limited = (await runtime.run('listApprovals', requester, { limit: 3 })) as { id: string }[];
    expect(limited.map((a) => a.id)).toEqual(ids.slice(-3).reverse());
    const filtered = (await runtime.run('listApprovals', requester, { limit: 100, priority: ['high'], tags: 'env:prod', search: 'Deploy' })) as { title: string }[];
    expect(filtered.map((a) => a.title).sort()).toEqual(['Deploy 1', 'Deploy 3']);
    const lastQuery = new URL(runtime.log.at(-1)!.request.url).searchParams;
    expect(lastQuery.get('priority')).toBe('high');
    expect(lastQuery.has('status')).toBe(false);
  });

  it('List / Search pages with the API’s page_token when there are more than 100', async () => {
    const { seed, runtime, requester } = await world();
    // One INSERT for speed: 230 requests with the same timestamp; the keyset token keeps their order.
    await bulkCreate(seed, 230);
    const all = (await runtime.run('listApprovals', requester, { limit: 1000 })) as { id: string }[];
    expect(all).toHaveLength(230);
    expect(new Set(all.map((a) => a.id)).size).toBe(230);
    expect(runtime.log.filter((l) => l.request.url.includes('/api/v1/approvals?')).length).toBe(3);
  });

  it('Get Approval Request and Find by External ID (found and not found)', async () => {
    const { runtime, requester } = await world();
    const [a] = (await runtime.run('requestApproval', requester, { title: 'X', description: 'd', priority: 'low', external_id: 'ORDER-42' })) as { id: string }[];
    expect(await runtime.run('getApproval', requester, { id: a!.id })).toEqual([expect.objectContaining({ id: a!.id, external_id: 'ORDER-42' })]);
    expect(await runtime.run('findApprovalByExternalId', requester, { external_id: 'ORDER-42' })).toEqual([expect.objectContaining({ id: a!.id })]);
    expect(await runtime.run('findApprovalByExternalId', requester, { external_id: 'ORDER-43' })).toEqual([]);
  });

  it('RPCs list pending or recent requests as drop-down options', async () => {
    const { runtime, requester, approver } = await world();
    const [p] = (await runtime.run('requestApproval', requester, { title: 'Pending one', description: 'd', priority: 'low' })) as { id: string }[];
    const [d] = (await runtime.run('requestApproval', requester, { title: 'Decided one', description: 'd', priority: 'low' })) as { id: string }[];
    await runtime.run('decideApproval', approver, { id: d!.id, decision: 'approve' });
    const pending = (await runtime.rpc('listPendingApprovals', requester)) as { label: string; value: string }[];
    expect(pending.map((o) => o.value)).toEqual([p!.id]);
    expect(pending[0]!.label).toMatch(/^Pending one \(pending, \d{4}-\d\d-\d\d \d\d:\d\d\)$/);
    const recent = (await runtime.rpc('listRecentApprovals', requester)) as { value: string }[];
    expect(recent.map((o) => o.value)).toEqual([d!.id, p!.id]);
  });

  it('every module’s output has only fields its interface declares', async () => {
    const { runtime, requester, approver } = await world();
    const [a] = (await runtime.run('requestApproval', requester, { title: 'I', description: 'd', priority: 'low' })) as { id: string }[];
    const outputs: [string, unknown][] = [
      ['requestApproval', a],
      ['addComment', (await runtime.run('addComment', requester, { id: a!.id, body: 'c' }))[0]],
      ['decideApproval', (await runtime.run('decideApproval', approver, { id: a!.id, decision: 'approve' }))[0]],
      ['getApproval', (await runtime.run('getApproval', requester, { id: a!.id }))[0]],
    ];
    for (const [id, out] of outputs) {
      const names = (runtime.app.modules[id]!.codes.interface as { name: string }[]).map((p) => p.name);
      expect(Object.keys(out as object).filter((k) => !names.includes(k)), id).toEqual([]);
    }
  });
});
