import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEntry, AUDIT_CSV_COLUMNS } from '@greenlight/contract';
import { seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { signedIn, type SignedIn } from '../../testing/session.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ config: { GREENLIGHT_DELIVERY_WORKER: 'false' } });
});
afterAll(() => server.stop());

/** The org's entries, less those of seeding the org (its first API key, made by Greenlight itself). */
async function entries(admin: SignedIn, query = ''): Promise<AuditEntry[]> {
  const res = await admin.http().get(`/api/v1/audit-log${query}`).expect(200);
  return res.body.data.filter((e: AuditEntry) => e.actor.name !== 'greenlight');
}

describe('the org audit log', () => {
  let seed: SeededOrg;
  let admin: SignedIn;
  beforeAll(async () => {
    seed = await seedOrg(server.db);
    admin = await signedIn(server, seed);
  });

  it('records every admin action with its actor, in the transaction of the action, newest first', async () => {
    const http = admin.http();
    const added = await http.post('/api/v1/members').send({ email: `audited-${Date.now()}@example.test`, role: 'viewer' }).expect(201);
    const memberId = added.body.member.user_id;
    await http.patch(`/api/v1/members/${memberId}`).send({ role: 'approver' }).expect(200);
    const member = { id: memberId, email: added.body.member.email };
    // The member makes a subscription through their own session; removing them disables it.
    const { sessionFor } = await import('../../testing/session.ts');
    const { createSession } = await import('../users/sessions.ts');
    const theirs = sessionFor(server, member, await createSession(server.db, member.id, seed.org.id));
    const hook = await theirs.http().post('/api/v1/webhooks').send({ url: 'https://hooks.example.com/audit', events: ['approval.approved'] }).expect(201);
    await http.delete(`/api/v1/members/${memberId}`).expect(200);
    const key = await http.post('/api/v1/connections').send({ name: 'audited key' }).expect(201);
    await http.delete(`/api/v1/connections/${key.body.id}`).expect(200);
    const client = await http.post('/api/v1/oauth-clients').send({ name: 'Zapier', redirect_uris: ['https://zapier.com/return/'] }).expect(201);
    await http.patch('/api/v1/org').send({ emergency_stop: true }).expect(200);
    await http.patch('/api/v1/org').send({ emergency_stop: false }).expect(200);
    await http.post('/api/v1/callback-secret/rotate').expect(200);
    const mine = await http.post('/api/v1/webhooks').send({ url: 'https://hooks.example.com/mine', events: ['approval.approved'] }).expect(201);
    await http.post(`/api/v1/webhooks/${mine.body.id}/rotate-secret`).expect(200);
    await http.delete(`/api/v1/webhooks/${mine.body.id}`).expect(200);

    const log = await entries(admin, '?page_size=100');
    for (const e of log) expect(AuditEntry.safeParse(e).success).toBe(true);
    const byAdmin = { type: 'user', id: seed.admin.id, name: seed.admin.email };
    expect(log.map((e) => [e.type, e.actor, e.target])).toEqual(
      [
        ['member.added', byAdmin, { type: 'user', id: memberId }],
        ['member.role_changed', byAdmin, { type: 'user', id: memberId }],
        ['webhook.created', { type: 'user', id: memberId, name: member.email }, { type: 'subscription', id: hook.body.id }],
        ['member.removed', byAdmin, { type: 'user', id: memberId }],
        ['webhook.disabled', byAdmin, { type: 'subscription', id: hook.body.id }],
        ['connection.created', byAdmin, { type: 'connection', id: key.body.id }],
        ['connection.revoked', byAdmin, { type: 'connection', id: key.body.id }],
        ['oauth_client.registered', byAdmin, { type: 'oauth_client', id: client.body.id }],
        ['emergency_stop.enabled', byAdmin, { type: 'org', id: seed.org.id }],
        ['emergency_stop.disabled', byAdmin, { type: 'org', id: seed.org.id }],
        ['callback_secret.rotated', byAdmin, { type: 'org', id: seed.org.id }],
        ['webhook.created', byAdmin, { type: 'subscription', id: mine.body.id }],
        ['webhook.secret_rotated', byAdmin, { type: 'subscription', id: mine.body.id }],
        ['webhook.deleted', byAdmin, { type: 'subscription', id: mine.body.id }],
      ].reverse(),
    );
    expect(log.find((e) => e.type === 'member.role_changed')!.details).toEqual({ role: 'approver', previous_role: 'viewer' });
    expect(log.find((e) => e.type === 'webhook.disabled')!.details).toEqual({ reason: 'its creator was removed from the organization' });
    // No secret reaches the log.
    const text = JSON.stringify(log);
    expect(text).not.toContain(key.body.api_key);
    expect(text).not.toContain(client.body.client_secret);
    expect(text).not.toContain(mine.body.secret);
  });

  it('pages by cursor without skipping or repeating, and filters by actor, type and time', async () => {
    const first = await admin.http().get('/api/v1/audit-log?page_size=3').expect(200);
    expect(first.body.data).toHaveLength(3);
    const all: AuditEntry[] = [...first.body.data];
    let token: string | null = first.body.next_page_token;
    while (token) {
      const page = await admin.http().get(`/api/v1/audit-log?page_size=3&page_token=${token}`).expect(200);
      all.push(...page.body.data);
      token = page.body.next_page_token;
    }
    const everything = (await admin.http().get('/api/v1/audit-log?page_size=100').expect(200)).body.data as AuditEntry[];
    expect(all.map((e) => e.id)).toEqual(everything.map((e) => e.id));

    const stops = await entries(admin, '?type=emergency_stop.enabled');
    expect(stops.map((e) => e.type)).toEqual(['emergency_stop.enabled']);
    const bySomeoneElse = await entries(admin, `?actor_id=${everything.find((e) => e.actor.id !== seed.admin.id)!.actor.id}`);
    expect(bySomeoneElse.map((e) => e.type)).toEqual(['webhook.created']);
    expect(await entries(admin, `?since=${new Date(Date.now() + 60_000).toISOString()}`)).toEqual([]);
    expect(await entries(admin, `?until=${encodeURIComponent(everything.at(-1)!.created_at)}`)).toEqual([]);
    expect(everything.length).toBeGreaterThan(6);
    expect((await entries(admin, `?until=${new Date(Date.now() + 60_000).toISOString()}&page_size=100`)).length).toBe(everything.length - 1);
  });

  it('exports as JSON Lines and CSV, oldest first', async () => {
    const everything = ((await admin.http().get('/api/v1/audit-log?page_size=100').expect(200)).body.data as AuditEntry[]).reverse();
    const jsonl = await admin.http().get('/api/v1/audit-log/export?format=jsonl').buffer(true).parse((res, cb) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => cb(null, text));
    }).expect(200);
    expect(jsonl.headers['content-type']).toMatch(/^application\/jsonl/);
    expect(jsonl.headers['content-disposition']).toBe('attachment; filename="audit-log.jsonl"');
    const lines = (jsonl.body as string).trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual(everything);

    const csv = await admin.http().get('/api/v1/audit-log/export?format=csv&type=member.added').expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const rows = csv.text.trimEnd().split('\r\n');
    expect(rows[0]).toBe(AUDIT_CSV_COLUMNS.join(','));
    expect(rows).toHaveLength(2);
    expect(rows[1]).toContain(',member.added,user,');
  });

  it("revoking a key disables what it subscribed, and the log says so, by the admin who revoked it", async () => {
    const own = await seedOrg(server.db);
    const ownAdmin = await signedIn(server, own);
    const key = await own.newKey();
    const hook = await server.http(key.key).post('/api/v1/webhooks').send({ url: 'https://hooks.example.com/k', events: ['approval.approved'] }).expect(201);
    await ownAdmin.http().delete(`/api/v1/connections/${key.connectionId}`).expect(200);
    const log = await entries(ownAdmin);
    expect(log.slice(0, 3).map((e) => [e.type, e.actor.id, e.target?.id, e.details.reason])).toEqual([
      ['webhook.disabled', own.admin.id, hook.body.id, 'its connection was revoked'],
      ['connection.revoked', own.admin.id, key.connectionId, undefined],
      ['webhook.created', key.connectionId, hook.body.id, undefined],
    ]);
  });

  it('shows each org only its own entries', async () => {
    const other = await seedOrg(server.db, 'Other');
    const otherAdmin = await signedIn(server, other);
    await otherAdmin.http().patch('/api/v1/org').send({ emergency_stop: false }).expect(200);
    expect(await entries(otherAdmin)).toEqual([]);
  });
});
