/**
 * Web Push against a local stand-in of a push service that checks the VAPID token (RFC 8292) and
 * decrypts each message with the device's own keys (RFC 8291, testing/push-service.ts): a request
 * reaches every device of each person asked, with Approve / Reject actions whose tokens decide once
 * (source `webpush`); devices are listed and removed by their person; 410 removes a subscription.
 */
import { describe, expect, it } from 'vitest';
import { createRequest, postAction, pushesAbout, pushOrg, settled, statusOf, subscribedPerson, subscribeDevice, tokenOf, useWebPushWorld, type WebPushWorld } from '../../testing/webpush-world.ts';
import { eventsOf } from '../../testing/decisions.ts';
import { MAX_PAYLOAD_BYTES } from './webpush-payload.ts';

let w: WebPushWorld;
useWebPushWorld((world) => (w = world));

describe('Web Push', () => {
  it('the VAPID key pair is made once and kept: the same public key every time, the private key sealed at rest', async () => {
    const org = await pushOrg(w);
    const first = (await org.admin.http().get('/api/v1/me/webpush').expect(200)).body as { public_key: string; subscriptions: unknown[] };
    const again = (await org.admin.http().get('/api/v1/me/webpush').expect(200)).body as { public_key: string };
    expect(first.public_key).toMatch(/^[A-Za-z0-9_-]{87}$/);
    expect(again.public_key).toBe(first.public_key);
    expect(first.subscriptions).toEqual([]);
    const { rows } = await w.server.db.query<{ public_key: string; private_key: string }>('SELECT public_key, private_key FROM webpush_vapid');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.public_key).toBe(first.public_key);
    expect(rows[0]!.private_key).toMatch(/^gl1:/);
  });

  it('a request reaches each subscribed device of each person asked, encrypted for the device, with the VAPID token of the server', async () => {
    const org = await pushOrg(w);
    const alice = await subscribedPerson(w, org, 'approver', 2);
    const bob = await subscribedPerson(w, org, 'approver', 1);
    const viewer = await subscribedPerson(w, org, 'viewer', 1);
    const id = await createRequest(w, org, { title: 'Rotate the <b>keys</b>', description: 'Line one\nline two' });
    await w.push.until(() => [...alice.devices, ...bob.devices].every((d) => pushesAbout(w, d, id).length === 1));
    await settled(w, id);
    expect(pushesAbout(w, viewer.devices[0]!, id)).toEqual([]);

    const p = pushesAbout(w, alice.devices[0]!, id)[0]!;
    expect(p).toMatchObject({ title: 'Rotate the <b>keys</b>', url: `/requests/${id}`, decide_url: '/channels/webpush/decide', tag: `greenlight-request-${id}` });
    expect(p.body).toContain('high');
    expect(p.actions.map((a) => [a.action, a.title])).toEqual([
      ['approve', 'Approve'],
      ['reject', 'Reject'],
    ]);
    // Each device has tokens of its own; none is the request's id.
    const tokens = [...alice.devices, ...bob.devices].flatMap((d) => pushesAbout(w, d, id)[0]!.actions.map((a) => a.token));
    expect(new Set(tokens).size).toBe(6);
    for (const t of tokens) expect(t).not.toContain(id);

    const call = w.push.calls.find((c) => c.deviceId === alice.devices[0]!.id && c.status === 201)!;
    expect(call.headers['content-encoding']).toBe('aes128gcm');
    expect(call.headers.urgency).toBe('high');
    expect(call.headers.topic).toBe(id.replace(/-/g, ''));
    expect(call.claims).toMatchObject({ aud: new URL(w.push.url).origin, sub: 'mailto:webpush@127.0.0.1' });

    const devices = (await alice.session.http().get('/api/v1/me/webpush').expect(200)).body.subscriptions as { push_service: string; last_sent_at: string | null; device: string }[];
    expect(devices).toHaveLength(2);
    for (const d of devices) expect(d).toMatchObject({ push_service: new URL(w.push.url).origin, device: 'Test browser', last_sent_at: expect.any(String) });
    expect(JSON.stringify(devices)).not.toContain(alice.devices[0]!.subscription.endpoint);
  });

  it('an action decides once, as the person, with webpush as the source; the other action then decides nothing', async () => {
    const org = await pushOrg(w);
    const alice = await subscribedPerson(w, org);
    const id = await createRequest(w, org);
    await w.push.until(() => pushesAbout(w, alice.devices[0]!, id).length === 1);
    const p = pushesAbout(w, alice.devices[0]!, id)[0]!;

    const ok = await postAction(w, tokenOf(p, 'approve')).expect(200);
    expect(ok.body).toMatchObject({ decided: true, approval_id: id, status: 'approved', message: 'Approved.' });
    expect(await statusOf(w, id)).toEqual({ status: 'approved', votes: 1 });
    const { rows } = await w.server.db.query<{ source: string; voter_id: string }>('SELECT source, voter_id FROM approval_votes WHERE approval_id = $1', [id]);
    expect(rows).toEqual([{ source: 'webpush', voter_id: alice.id }]);
    const events = await eventsOf(w.server, id);
    expect(events.find((e) => e.type === 'approval.approved')!.data).toMatchObject({ source: 'webpush' });

    const again = await postAction(w, tokenOf(p, 'approve')).expect(409);
    expect(again.body.error).toMatchObject({ code: 'INVALID_STATUS', message: expect.stringMatching(/already used/) });
    const other = await postAction(w, tokenOf(p, 'reject')).expect(409);
    expect(other.body.error.message).toMatch(/nothing was decided/);
    expect(await statusOf(w, id)).toEqual({ status: 'approved', votes: 1 });
  });

  it('a reminder comes to the device too, said to be one', async () => {
    const org = await pushOrg(w);
    const alice = await subscribedPerson(w, org);
    const id = await createRequest(w, org);
    await w.push.until(() => pushesAbout(w, alice.devices[0]!, id).length === 1);
    await settled(w, id);
    // What the reminder timer queues (jobs/timers.ts): a notify row of kind reminder.
    const { rows } = await w.server.db.query<{ event_id: string }>("SELECT event_id FROM deliveries WHERE approval_id = $1 AND channel = 'notify' LIMIT 1", [id]);
    await w.server.db.query(
      `INSERT INTO deliveries (channel, kind, org_id, approval_id, event_id, event_type, dedupe_key, next_attempt_at, payload)
       SELECT 'notify', 'reminder', org_id, id, $2, 'approval.created', 'reminder-test:' || id, now(), '{"step_order": 0}'::jsonb FROM approvals WHERE id = $1`,
      [id, rows[0]!.event_id],
    );
    await w.push.until(() => pushesAbout(w, alice.devices[0]!, id).length === 2);
    const reminder = pushesAbout(w, alice.devices[0]!, id)[1]!;
    expect(reminder.title).toMatch(/^Reminder: /);
    expect(reminder.actions).toHaveLength(2);
  });

  it('preferences: by_kind chooses push for requests alone, or leaves it out; digest_only gets no push', async () => {
    const org = await pushOrg(w);
    const [only, none, digest] = [await subscribedPerson(w, org), await subscribedPerson(w, org), await subscribedPerson(w, org)];
    await only.session.http().patch('/api/v1/me/notification-preferences').send({ channels: 'email', by_kind: { approval_request: ['webpush'] } }).expect(200);
    await none.session.http().patch('/api/v1/me/notification-preferences').send({ by_kind: { approval_request: ['email', 'slack', 'telegram'] } }).expect(200);
    await digest.session.http().patch('/api/v1/me/notification-preferences').send({ channels: 'digest_only' }).expect(200);
    const id = await createRequest(w, org);
    await w.push.until(() => pushesAbout(w, only.devices[0]!, id).length === 1);
    await settled(w, id);
    expect(pushesAbout(w, none.devices[0]!, id)).toEqual([]);
    expect(pushesAbout(w, digest.devices[0]!, id)).toEqual([]);
  });

  it('a person lists and removes their devices (both in the audit log, without the endpoint); a removed device\'s actions decide nothing', async () => {
    const org = await pushOrg(w);
    const alice = await subscribedPerson(w, org, 'approver', 2);
    const bob = await subscribedPerson(w, org);
    const id = await createRequest(w, org);
    await w.push.until(() => alice.devices.every((d) => pushesAbout(w, d, id).length === 1));
    const list = (await alice.session.http().get('/api/v1/me/webpush').expect(200)).body.subscriptions as { id: string }[];
    // Another person's device is not found; nothing is removed.
    await bob.session.http().delete(`/api/v1/me/webpush/subscriptions/${list[0]!.id}`).expect(404);
    const removed = (await alice.session.http().delete(`/api/v1/me/webpush/subscriptions/${list[0]!.id}`).expect(200)).body as { id: string };
    expect(removed.id).toBe(list[0]!.id);
    expect(((await alice.session.http().get('/api/v1/me/webpush').expect(200)).body.subscriptions as unknown[]).length).toBe(1);
    const log = await org.admin.http().get('/api/v1/audit-log').query({ page_size: 100 }).expect(200);
    const entries = (log.body.data as { type: string; actor: { id: string | null }; target: { id: string } | null; details: Record<string, unknown> }[])
      .filter((e) => e.type.startsWith('webpush.') && e.target?.id === alice.id)
      .map((e) => [e.type, e.actor.id, e.details.push_service]);
    expect(entries.filter((e) => e[0] === 'webpush.subscribed')).toHaveLength(2);
    expect(entries.filter((e) => e[0] === 'webpush.unsubscribed')).toEqual([['webpush.unsubscribed', alice.id, new URL(w.push.url).origin]]);
    expect(JSON.stringify(log.body)).not.toContain(alice.devices[0]!.subscription.endpoint);

    // The removed device's notification is still on its screen: its action decides nothing.
    const { rows } = await w.server.db.query<{ endpoint: string }>('SELECT endpoint FROM webpush_subscriptions WHERE user_id = $1', [alice.id]);
    const removedDevice = alice.devices.find((d) => d.subscription.endpoint !== rows[0]!.endpoint)!;
    const left = await postAction(w, tokenOf(pushesAbout(w, removedDevice, id)[0]!, 'approve')).expect(409);
    expect(left.body.error.code).toBe('APPROVAL_EXPIRED');
    expect(await statusOf(w, id)).toEqual({ status: 'pending', votes: 0 });
  });

  it('410 from the push service removes the subscription; the person subscribes again', async () => {
    const org = await pushOrg(w);
    const alice = await subscribedPerson(w, org);
    alice.devices[0]!.answer = 410;
    const id = await createRequest(w, org);
    await w.push.until(() => w.push.calls.some((c) => c.deviceId === alice.devices[0]!.id && c.status === 410));
    await settled(w, id);
    const { rows } = await w.server.db.query("SELECT 1 FROM webpush_subscriptions WHERE user_id = $1", [alice.id]);
    expect(rows).toEqual([]);
    const { rows: deliveries } = await w.server.db.query<{ status: string }>("SELECT status FROM deliveries WHERE approval_id = $1 AND channel = 'webpush'", [id]);
    expect(deliveries.map((d) => d.status)).toEqual(['gone']);

    const fresh = await subscribeDevice(w, alice);
    const next = await createRequest(w, org);
    await w.push.until(() => pushesAbout(w, fresh, next).length === 1);
  });
});

describe('Web Push payload size', () => {
  it('a request whose text is long in four-byte characters still fits one push message, and arrives', async () => {
    const org = await pushOrg(w);
    const alice = await subscribedPerson(w, org);
    const id = await createRequest(w, org, { title: '🚀'.repeat(200), description: '"\\😀'.repeat(3000) });
    await w.push.until(() => pushesAbout(w, alice.devices[0]!, id).length === 1);
    const p = pushesAbout(w, alice.devices[0]!, id)[0]!;
    expect(Buffer.byteLength(JSON.stringify(p))).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    expect(p.title.startsWith('🚀')).toBe(true);
    expect(p.actions).toHaveLength(2);
  });
});
