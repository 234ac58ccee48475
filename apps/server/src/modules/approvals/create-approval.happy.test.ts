import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApprovalDetail, z } from '@greenlight/contract';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { secretKeys } from '../../security/sealed.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(() => server.stop(), 60_000);

const inOneDay = () => new Date(Date.now() + 24 * 3600_000).toISOString();
const ExactApproval = z.strictObject(ApprovalDetail.shape);

/** The stored row, its callback headers opened (they are sealed at rest). */
async function storedRow(id: string) {
  const { rows } = await server.db.query<{
    callback_headers: string | null;
    request_fingerprint: string | null;
    requested_by_type: string;
    requested_by_id: string | null;
    requested_by_name: string | null;
  }>('SELECT callback_headers, request_fingerprint, requested_by_type, requested_by_id, requested_by_name FROM approvals WHERE id = $1', [id]);
  const row = rows[0]!;
  expect(row.callback_headers === null || row.callback_headers.startsWith('gl1:')).toBe(true);
  return { ...row, callback_headers: row.callback_headers === null ? null : (JSON.parse(secretKeys().open(row.callback_headers)) as Record<string, string>) };
}

async function countRows(orgId: string, where = 'true', params: unknown[] = []) {
  const { rows } = await server.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM approvals WHERE org_id = $1 AND ${where}`,
    [orgId, ...params],
  );
  return rows[0]!.n;
}

describe('POST /api/v1/approvals — the spec examples', () => {
  it('accepts the create example as written and answers 201 with the documented fields', async () => {
    const seed = await seedOrg(server.db);
    const expiresAt = inOneDay();
    // The v1 API's documented example of "POST /api/v1/approvals"; only expires_at moved into the future.
    const example = {
      title: 'Delete user account #4821',
      description: 'Permanent deletion requested by user via support ticket',
      priority: 'high',
      action_type: 'user.delete',
      callback_url: 'https://your-app.com/webhooks/okrunit',
      callback_headers: {
        'X-Custom-Token': 'your-secret',
      },
      metadata: {
        user_id: '4821',
        ticket_id: 'SUP-1234',
      },
      expires_at: expiresAt,
      required_approvals: 2,
      is_sequential: false,
      source: 'support-bot',
      idempotency_key: 'del-user-4821-20260324',
    };
    const res = await server.http(seed.key).post('/api/v1/approvals').send(example).expect(201);

    expect(res.body).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      org_id: seed.org.id,
      connection_id: seed.connectionId,
      title: 'Delete user account #4821',
      description: 'Permanent deletion requested by user via support ticket',
      status: 'pending',
      priority: 'high',
      action_type: 'user.delete',
      source: 'support-bot',
      required_approvals: 2,
      current_approvals: 0,
      is_sequential: false,
      created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      expires_at: expiresAt,
    });
    expect(ExactApproval.safeParse(res.body).success).toBe(true);
    expect(Math.abs(Date.parse(res.body.created_at) - Date.now())).toBeLessThan(60_000);
    // Stored for the callback, never shown.
    expect(res.body).not.toHaveProperty('callback_headers');
    expect((await storedRow(res.body.id)).callback_headers).toEqual({ 'X-Custom-Token': 'your-secret' });
  });

  it('accepts the idempotency example and the Node.js example as written', async () => {
    const seed = await seedOrg(server.db);
    const idem = { title: 'Deploy v2.4.0', description: 'Production release', priority: 'high', idempotency_key: 'deploy-v2.4.0-20260324' };
    const first = await server.http(seed.key).post('/api/v1/approvals').send(idem).expect(201);
    // "If you send the exact same request again with the same key, you'll get back the existing request (200)"
    const again = await server.http(seed.key).post('/api/v1/approvals').send(idem).expect(200);
    expect(again.body.id).toBe(first.body.id);

    const node = {
      title: 'Deploy v2.4.0 to production',
      description: 'Release includes database migration',
      priority: 'high',
      callback_url: 'https://your-app.com/webhooks/okrunit',
    };
    const res = await server.http(seed.key).post('/api/v1/approvals').send(JSON.stringify(node)).set('Content-Type', 'application/json').expect(201);
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body.status).toBe('pending');
  });
});

describe('POST /api/v1/approvals — fields and defaults', () => {
  it('round-trips every field of the body', async () => {
    const seed = await seedOrg(server.db);
    const body = {
      title: 'Rotate the production database password',
      description: '## Why\nThe old one leaked in a **log** line.',
      priority: 'critical',
      callback_url: 'http://hooks.example.com:8080/greenlight?x=1',
      callback_headers: { 'X-Custom-Token': 'your-secret', 'X-Trace': 'abc' },
      action_type: 'db.rotate_password',
      metadata: { nested: { list: [1, 'two', null, true], n: 1.5 }, empty: {} },
      // An offset is accepted and answered in UTC.
      expires_at: '2099-06-01T12:30:00+02:00',
      required_approvals: 3,
      is_sequential: true,
      source: 'ops-bot',
      idempotency_key: 'rotate-2099-06-01',
      external_id: 'OPS-77',
      tags: { env: 'production', team: 'platform', 'a/b.c_d-e': '' },
      changes: { before: { password_age_days: 400 }, after: null },
      resource: { type: 'database', id: 'db-main', name: 'Main cluster' },
      response_schema: {
        type: 'object',
        title: 'Rotation',
        properties: { window: { type: 'string', enum: ['now', 'tonight'], default: 'tonight' }, notify: { type: 'boolean', title: 'Tell the team' } },
        required: ['window'],
      },
      editable: ['metadata.nested.n'],
    };
    const res = await server.http(seed.key).post('/api/v1/approvals').send(body).expect(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      org_id: seed.org.id,
      connection_id: seed.connectionId,
      title: body.title,
      description: body.description,
      status: 'pending',
      priority: 'critical',
      action_type: 'db.rotate_password',
      source: 'ops-bot',
      metadata: body.metadata,
      required_approvals: 3,
      current_approvals: 0,
      is_sequential: true,
      callback_url: body.callback_url,
      has_callback: true,
      external_id: 'OPS-77',
      idempotency_key: 'rotate-2099-06-01',
      tags: body.tags,
      changes: body.changes,
      resource: body.resource,
      entity_type: 'database',
      entity_id: 'db-main',
      entity_name: 'Main cluster',
      action: null,
      requested_by: { type: 'connection', id: seed.connectionId, name: 'primary' },
      comments_count: 0,
      created_at: expect.any(String),
      updated_at: res.body.created_at,
      expires_at: '2099-06-01T10:30:00.000Z',
      on_expiry: 'expire',
      decided_at: null,
      decided_by: null,
      decided_by_id: null,
      decided_by_type: null,
      decided_by_policy: null,
      decided_by_grant: null,
      decision_comment: null,
      decision_note: null,
      cancelled_at: null,
      expired_at: null,
      approved_content_sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      execution: null,
      revocable_until: null,
      revoked_at: null,
      revoked_by: null,
      revocation_reason: null,
      redact: [],
      redacted: false,
      flow_id: null,
      flow_version: null,
      routing: null,
      // A callback: who waits there is not known before the first probe.
      waiter: { state: 'unknown', reason: null, since: null, checked_at: null },
      created_via: 'v1',
      // What the reviewer answers and may edit (docs/answers.md); nothing answered while pending.
      response_schema: body.response_schema,
      editable: ['metadata.nested.n'],
      response: null,
      edits: [],
      approved_content: null,
      // Its run (none: no steps) and its reviewers' results (none yet), as the request read by id shows them.
      run: null,
      results: [],
      // What its creator may do: cancel it or reject it, never approve its own request (four-eyes).
      viewer_can: {
        decide: { allowed: true, steps: [], approve: { allowed: false, reason: 'You requested this' } },
        cancel: { allowed: true },
        revoke: { allowed: false, reason: 'Not approved yet' },
        reassign: { allowed: false, reason: 'No step waits to be reassigned' },
        comment: { allowed: true },
        grant: { allowed: false, reason: 'A grant is given by a person: an API key cannot give one' },
      },
    });
    const got = await server.http(seed.key).get(`/api/v1/approvals/${res.body.id}`).expect(200);
    expect(got.body).toEqual(res.body);

    const row = await storedRow(res.body.id);
    expect(row.callback_headers).toEqual(body.callback_headers);
    expect(row.request_fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('applies the defaults to a minimal body', async () => {
    const seed = await seedOrg(server.db);
    const res = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ priority: 'low' })).expect(201);
    expect(res.body).toMatchObject({
      status: 'pending',
      priority: 'low',
      required_approvals: 1,
      is_sequential: false,
      metadata: {},
      tags: {},
      changes: null,
      resource: null,
      callback_url: null,
      action_type: null,
      source: null,
      expires_at: null,
      external_id: null,
      idempotency_key: null,
      current_approvals: 0,
      comments_count: 0,
    });
    expect(res.body.updated_at).toBe(res.body.created_at);
    const row = await storedRow(res.body.id);
    expect(row.callback_headers).toBeNull();
    expect(row.request_fingerprint).toBeNull();
  });

  it('trims the title and records the calling connection as the requester', async () => {
    const seed = await seedOrg(server.db);
    const other = await seed.newKey({ name: 'zapier' });
    const res = await server.http(other.key).post('/api/v1/approvals').send(approvalBody({ title: '  Pay invoice 42  ' })).expect(201);
    expect(res.body.title).toBe('Pay invoice 42');
    expect(res.body.connection_id).toBe(other.connectionId);
    expect(res.body.requested_by).toEqual({ type: 'connection', id: other.connectionId, name: 'zapier' });
    expect(await storedRow(res.body.id)).toMatchObject({ requested_by_type: 'connection', requested_by_id: other.connectionId, requested_by_name: 'zapier' });
  });

  it('appends the approval.created event in the same write', async () => {
    const seed = await seedOrg(server.db);
    const res = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
    const { rows } = await server.db.query<{ type: string; actor_id: string; from_status: string | null; to_status: string; created_at: Date }>(
      'SELECT type, actor_id, from_status, to_status, created_at FROM events WHERE approval_id = $1',
      [res.body.id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ type: 'approval.created', actor_id: seed.connectionId, from_status: null, to_status: 'pending' });
    expect(rows[0]!.created_at.toISOString()).toBe(res.body.created_at);
  });

  it('queues approval.created for active subscriptions to it, in the same write, and for no one else', async () => {
    const seed = await seedOrg(server.db);
    const other = await seedOrg(server.db);
    const subscribe = async (orgId: string, events: string[], status = 'active') =>
      (
        await server.db.query<{ id: string }>(
          `INSERT INTO webhook_subscriptions (org_id, url, events, secret, created_by_type, status)
           VALUES ($1, 'https://hooks.example.test/x', $2, 'whsec_test', 'user', $3) RETURNING id::text AS id`,
          [orgId, events, status],
        )
      ).rows[0]!.id;
    const wanted = await subscribe(seed.org.id, ['approval.approved', 'approval.created']);
    await subscribe(seed.org.id, ['approval.approved']);
    await subscribe(seed.org.id, ['approval.created'], 'disabled');
    await subscribe(other.org.id, ['approval.created']);
    const res = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ callback_url: 'https://cb.example.test/x' })).expect(201);
    const { rows } = await server.db.query<{ subscription_id: string; target: string; event_type: string; event_id: string; org_id: string }>(
      `SELECT d.payload ->> 'subscription_id' AS subscription_id, d.kind AS target, d.event_type, d.event_id::text AS event_id, d.org_id::text AS org_id
         FROM deliveries d WHERE d.approval_id = $1`,
      [res.body.id],
    );
    const event = await server.db.query<{ id: string }>('SELECT id::text AS id FROM events WHERE approval_id = $1', [res.body.id]);
    // No callback either: a callback gets only the request's final outcome.
    expect(rows).toEqual([{ subscription_id: wanted, target: 'subscription', event_type: 'approval.created', event_id: event.rows[0]!.id, org_id: seed.org.id }]);
  });

  it('accepts the same external_id in two orgs', async () => {
    const a = await seedOrg(server.db);
    const b = await seedOrg(server.db);
    const one = await server.http(a.key).post('/api/v1/approvals').send(approvalBody({ external_id: 'SUP-1' })).expect(201);
    const two = await server.http(b.key).post('/api/v1/approvals').send(approvalBody({ external_id: 'SUP-1' })).expect(201);
    expect(one.body.id).not.toBe(two.body.id);
  });
});

describe('POST /api/v1/approvals — idempotency', () => {
  it('answers 200 with the same request for the same key and body', async () => {
    const seed = await seedOrg(server.db);
    const body = approvalBody({ idempotency_key: 'retry-me', metadata: { a: 1, b: { c: 2 } } });
    const first = await server.http(seed.key).post('/api/v1/approvals').send(body).expect(201);
    const second = await server.http(seed.key).post('/api/v1/approvals').send(body).expect(200);
    expect(second.body).toEqual(first.body);
    expect(await countRows(seed.org.id)).toBe(1);
  });

  it('treats reordered keys, spelled-out defaults and an equivalent expires_at as the same body', async () => {
    const seed = await seedOrg(server.db);
    const first = await server
      .http(seed.key)
      .post('/api/v1/approvals')
      .send({ title: 'Ship it', description: 'd', priority: 'medium', metadata: { x: 1, y: 2 }, expires_at: '2099-01-01T10:00:00Z', idempotency_key: 'k1' })
      .expect(201);
    const second = await server
      .http(seed.key)
      .post('/api/v1/approvals')
      .send({
        idempotency_key: 'k1',
        expires_at: '2099-01-01T12:00:00.000+02:00',
        metadata: { y: 2, x: 1 },
        required_approvals: 1,
        is_sequential: false,
        priority: 'medium',
        description: 'd',
        title: 'Ship it',
      })
      .expect(200);
    expect(second.body.id).toBe(first.body.id);
  });

  it('answers with the request as it is now, not as it was created', async () => {
    const seed = await seedOrg(server.db);
    const body = approvalBody({ idempotency_key: 'then-cancelled' });
    const first = await server.http(seed.key).post('/api/v1/approvals').send(body).expect(201);
    await server.http(seed.key).delete(`/api/v1/approvals/${first.body.id}`).expect(200);
    const again = await server.http(seed.key).post('/api/v1/approvals').send(body).expect(200);
    expect(again.body).toMatchObject({ id: first.body.id, status: 'cancelled' });
    expect(again.body.cancelled_at).not.toBeNull();
  });

  it('accepts the key in the Idempotency-Key header, and the body field wins over it', async () => {
    const seed = await seedOrg(server.db);
    const http = server.http(seed.key);
    const first = await http.post('/api/v1/approvals').set('Idempotency-Key', 'hdr-1').send(approvalBody()).expect(201);
    expect(first.body.idempotency_key).toBe('hdr-1');
    const again = await http.post('/api/v1/approvals').set('Idempotency-Key', 'hdr-1').send(approvalBody()).expect(200);
    expect(again.body.id).toBe(first.body.id);
    // The key is not part of the body's fingerprint: moving it into the body is the same request.
    const moved = await http.post('/api/v1/approvals').send(approvalBody({ idempotency_key: 'hdr-1' })).expect(200);
    expect(moved.body.id).toBe(first.body.id);

    const both = await http.post('/api/v1/approvals').set('Idempotency-Key', 'hdr-1').send(approvalBody({ idempotency_key: 'body-1' })).expect(201);
    expect(both.body.idempotency_key).toBe('body-1');
    expect(both.body.id).not.toBe(first.body.id);
    expect(await countRows(seed.org.id)).toBe(2);
  });

  it('scopes keys per org: the same key in two orgs makes two requests', async () => {
    const a = await seedOrg(server.db);
    const b = await seedOrg(server.db);
    const body = approvalBody({ idempotency_key: 'shared-key' });
    const one = await server.http(a.key).post('/api/v1/approvals').send(body).expect(201);
    const two = await server.http(b.key).post('/api/v1/approvals').send(body).expect(201);
    expect(two.body.id).not.toBe(one.body.id);
    expect(two.body.org_id).toBe(b.org.id);
    const { rows } = await server.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM approvals WHERE idempotency_key = $1 AND org_id = ANY($2::uuid[])',
      ['shared-key', [a.org.id, b.org.id]],
    );
    expect(rows[0]!.n).toBe(2);
  });

  it('replays the request even when its expires_at has passed since', async () => {
    const seed = await seedOrg(server.db);
    const body = approvalBody({ idempotency_key: 'late-retry', expires_at: new Date(Date.now() + 400).toISOString() });
    const first = await server.http(seed.key).post('/api/v1/approvals').send(body).expect(201);
    await new Promise((r) => setTimeout(r, 500));
    const again = await server.http(seed.key).post('/api/v1/approvals').send(body).expect(200);
    expect(again.body.id).toBe(first.body.id);
  });

  it('100 parallel creates with one key make exactly one request: one 201, 99 × 200, one id', async () => {
    const seed = await seedOrg(server.db);
    const body = approvalBody({ idempotency_key: 'parallel-100', external_id: 'EXT-100', tags: { run: 'parallel' } });
    const results = await Promise.all(Array.from({ length: 100 }, () => server.http(seed.key).post('/api/v1/approvals').send(body)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(99);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(await countRows(seed.org.id)).toBe(1);
    const { rows } = await server.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM events WHERE org_id = $1 AND type = 'approval.created'`,
      [seed.org.id],
    );
    expect(rows[0]!.n).toBe(1);
  });
});
