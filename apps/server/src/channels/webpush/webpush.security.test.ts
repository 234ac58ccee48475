/**
 * What a push notification's action may not do: a forged, malformed, reused, expired or removed
 * token, another channel's token, a token of another person's device, a viewer, the emergency stop, four-eyes and
 * a person the request no longer asks decide nothing (the API's refusals, the token left unspent
 * where the vote was refused); fetching the action's URL decides nothing. A subscription's endpoint
 * goes through the webhook guard.
 */
import { randomBytes } from 'node:crypto';
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { createRequest, postAction, pushesAbout, pushOrg, statusOf, subscribedPerson, tokenOf, useWebPushWorld, type WebPushWorld } from '../../testing/webpush-world.ts';
import { configure } from '../../testing/decisions.ts';
import { setEmergencyStop } from '../../modules/orgs/create-org.ts';
import { sha256Hex } from '../../security/tokens.ts';
import { issueDecisionLinks } from '../decision-link-tokens.ts';
import { approvalBody } from '../../testing/harness.ts';

let w: WebPushWorld;
useWebPushWorld((world) => (w = world));

async function askedWithPush(role: 'approver' | 'admin' = 'approver') {
  const org = await pushOrg(w);
  const alice = await subscribedPerson(w, org, role);
  const id = await createRequest(w, org);
  await w.push.until(() => pushesAbout(w, alice.devices[0]!, id).length === 1);
  return { org, alice, id, push: pushesAbout(w, alice.devices[0]!, id)[0]! };
}

describe('Web Push actions decide nothing they should not', () => {
  it.each([
    ['a number', 42, 400, 'VALIDATION_ERROR'],
    ['an empty string', '', 400, 'VALIDATION_ERROR'],
    ['an overlong string', 'x'.repeat(200), 400, 'VALIDATION_ERROR'],
    ['a forged token of the right shape', randomBytes(32).toString('base64url'), 404, 'NOT_FOUND'],
    ['not a token', 'not-a-token', 404, 'NOT_FOUND'],
  ])('%s: refused', async (_what, token, status, code) => {
    const { id } = await askedWithPush();
    const res = await postAction(w, token).expect(status);
    expect(res.body.error.code).toBe(code);
    expect(await statusOf(w, id)).toEqual({ status: 'pending', votes: 0 });
  });

  it('a token is used once: the second POST decides nothing', async () => {
    const { id, push } = await askedWithPush();
    await postAction(w, tokenOf(push, 'reject')).expect(200);
    expect((await postAction(w, tokenOf(push, 'reject')).expect(409)).body.error.message).toMatch(/already used/);
    expect(await statusOf(w, id)).toEqual({ status: 'rejected', votes: 1 });
  });

  it("an emailed link's token is unknown to the push action, and a push token unknown to the email link's page", async () => {
    const { org, alice, id, push } = await askedWithPush();
    // An emailed link of the same person and request, stored as the email channel stores it.
    const emailed = randomBytes(32).toString('base64url');
    await w.server.db.query(
      `INSERT INTO decision_links (token_hash, token_sealed, org_id, approval_id, user_id, decision, delivery_id, expires_at, channel)
       SELECT $1, 'sealed', $2, $3, $4, 'approve', d.id, now() + interval '1 hour', 'email' FROM deliveries d WHERE d.approval_id = $3 AND d.channel = 'notify' LIMIT 1`,
      [sha256Hex(emailed), org.seed.org.id, id, alice.id],
    );
    expect((await postAction(w, emailed).expect(404)).body.error.code).toBe('NOT_FOUND');
    const page = await supertest(w.server.url).get(`/decide/${tokenOf(push, 'approve')}`);
    expect(page.text).not.toContain('<form');
    await supertest(w.server.url).post('/decide').type('form').send({ token: tokenOf(push, 'approve') });
    expect(await statusOf(w, id)).toEqual({ status: 'pending', votes: 0 });
  });

  it("a device signed in as another person cannot use a person's token; the person's own device then can", async () => {
    const { org, alice, id, push } = await askedWithPush();
    const bob = await subscribedPerson(w, org);
    const res = await postAction(w, tokenOf(push, 'approve'), bob.session.cookie).expect(403);
    expect(res.body.error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/someone else/) });
    expect(await statusOf(w, id)).toEqual({ status: 'pending', votes: 0 });
    await postAction(w, tokenOf(push, 'approve'), alice.session.cookie).expect(200);
    expect(await statusOf(w, id)).toEqual({ status: 'approved', votes: 1 });
  });

  it('an expired token decides nothing', async () => {
    const { id, push } = await askedWithPush();
    await w.server.db.query("UPDATE decision_links SET expires_at = now() - interval '1 second' WHERE approval_id = $1", [id]);
    expect((await postAction(w, tokenOf(push, 'approve')).expect(409)).body.error.code).toBe('APPROVAL_EXPIRED');
    expect(await statusOf(w, id)).toEqual({ status: 'pending', votes: 0 });
  });

  it('during the emergency stop the action is refused with the API reason and stays unspent; after it, it decides', async () => {
    const { org, id, push } = await askedWithPush();
    await setEmergencyStop(w.server.db, org.seed.org.id, true);
    try {
      expect((await postAction(w, tokenOf(push, 'approve')).expect(503)).body.error.code).toBe('EMERGENCY_STOP');
      expect(await statusOf(w, id)).toEqual({ status: 'pending', votes: 0 });
    } finally {
      await setEmergencyStop(w.server.db, org.seed.org.id, false);
    }
    await postAction(w, tokenOf(push, 'approve')).expect(200);
    expect(await statusOf(w, id)).toEqual({ status: 'approved', votes: 1 });
  });

  it('a person made a viewer since decides nothing', async () => {
    const { org, alice, id, push } = await askedWithPush();
    await org.admin.http().patch(`/api/v1/members/${alice.id}`).send({ role: 'viewer' }).expect(200);
    expect((await postAction(w, tokenOf(push, 'approve')).expect(403)).body.error.code).toBe('NOT_APPROVER');
    expect(await statusOf(w, id)).toEqual({ status: 'pending', votes: 0 });
  });

  it('a person the request no longer asks decides nothing (the API refusal)', async () => {
    const { org, id, push } = await askedWithPush();
    const bob = await org.seed.addUser('approver');
    await configure(w.server, org.seed.key, id, [bob.id]);
    const res = await postAction(w, tokenOf(push, 'approve')).expect(403);
    expect(res.body.error.code).toBe('NOT_APPROVER');
    expect(await statusOf(w, id)).toEqual({ status: 'pending', votes: 0 });
  });

  it('four-eyes: a token of the person who asked for the request decides nothing (the API refusal)', async () => {
    const org = await pushOrg(w);
    const alice = await subscribedPerson(w, org, 'admin');
    const created = await alice.session.http().post('/api/v1/approvals').send(approvalBody({ title: 'my own' })).expect(201);
    const id = (created.body as { id: string }).id;
    // Alice is not asked her own request, so nothing pushes her a token: one is issued as the channel would.
    const { rows } = await w.server.db.query<{ id: string }>("SELECT id FROM deliveries WHERE approval_id = $1 AND channel = 'notify' LIMIT 1", [id]);
    const tokens = await issueDecisionLinks(w.server.db, { id: rows[0]!.id, org_id: org.seed.org.id, recipient_user_id: alice.id }, id, 'webpush');
    const res = await postAction(w, tokens!.approve).expect(403);
    expect(res.body.error.code).toBe('SELF_APPROVAL_FORBIDDEN');
    expect(await statusOf(w, id)).toEqual({ status: 'pending', votes: 0 });
  });

  it('fetching the action URL (a preview, a prefetch) decides nothing', async () => {
    const { id, push } = await askedWithPush();
    for (const method of ['get', 'head'] as const) {
      const res = await supertest(w.server.url)[method](`/channels/webpush/decide?token=${tokenOf(push, 'approve')}`);
      expect(res.status).toBe(404);
    }
    expect(await statusOf(w, id)).toEqual({ status: 'pending', votes: 0 });
    await postAction(w, tokenOf(push, 'approve')).expect(200);
  });

  it('a subscription endpoint must pass the webhook guard; a device cannot be subscribed to an inside address', async () => {
    const org = await pushOrg(w);
    const res = await org.admin
      .http()
      .post('/api/v1/me/webpush/subscriptions')
      .send({ endpoint: 'http://169.254.169.254/latest/meta-data', keys: { p256dh: Buffer.alloc(65, 4).toString('base64url'), auth: randomBytes(16).toString('base64url') } })
      .expect(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    await org.admin.http().post('/api/v1/me/webpush/subscriptions').send({ endpoint: 'https://push.example/x', keys: { p256dh: 'short', auth: 'short' } }).expect(400);
  });
});
