/**
 * A request's `callback_url` is a capability (an n8n resume URL, a Zapier callback, a Make webhook
 * address): only the principal that created the request and admins read it. Everyone else (other
 * members, whatever their role or permissions, other API keys, subscriptions) sees `callback_url:
 * null` and `has_callback: true` in every answer that shows the request: get, list, search, the long
 * poll, the event stream, the audit trail, a decision's and a batch decision's answer, a revoke's
 * answer, and the delivery log. Many pending requests may still name one receiver; the callback
 * itself carries the URL in full, and the request id the receiver must check.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { Approval, WebhookPayload } from '@greenlight/contract';
import { approvalBody, seedOrg, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { useCallbackServer } from '../../testing/callback-world.ts';
import type { TestReceiver } from '../../testing/receiver.ts';
import { signedIn, type SignedIn } from '../../testing/session.ts';
import { openSse } from '../stream/sse-client.ts';

let server: TestServer;
const { receiver: newReceiver } = useCallbackServer((s) => (server = s), { GREENLIGHT_DELIVERY_SWEEP_MS: '100' });
/** The one receiver every world's requests name. */
let receiver: TestReceiver;
beforeAll(async () => {
  receiver = await newReceiver();
});

interface World {
  seed: SeededOrg;
  /** One receiver for every request of the world, as the seed's own example has it. */
  url: string;
  /** Made with the org's first key (`seed.key`), each with the shared callback. */
  ids: string[];
  reviewer: SignedIn;
  otherKey: string;
}

async function world(n = 1, extra: Record<string, unknown> = {}): Promise<World> {
  const seed = await seedOrg(server.db);
  const url = `${receiver.url}/shared-${seed.org.id}`;
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const created = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ title: `Request ${i}`, callback_url: url, ...extra })).expect(201);
    ids.push(created.body.id as string);
  }
  return { seed, url, ids, reviewer: await signedIn(server, seed, 'approver'), otherKey: (await seed.newKey({ name: 'other' })).key };
}

const hidden = { callback_url: null, has_callback: true };
/** Every string of an answer that names the receiver. */
const leaks = (value: unknown, url: string) => JSON.stringify(value).includes(url);

describe('many pending requests may name one receiver', () => {
  it('three requests from two keys with one callback_url are all created and pending', async () => {
    const w = await world(2);
    const third = await server.http(w.otherKey).post('/api/v1/approvals').send(approvalBody({ callback_url: w.url })).expect(201);
    const all = [...w.ids, third.body.id as string];
    for (const id of all) expect((await server.http(w.seed.key).get(`/api/v1/approvals/${id}`).expect(200)).body).toMatchObject({ status: 'pending', has_callback: true });
  });
});

describe('who does not see where a callback goes', () => {
  it('a reviewer, another key, a viewer and a member granted see_sensitive: null in get, list, search, the long poll and the audit trail', async () => {
    const w = await world();
    const [id] = w.ids as [string];
    const admin = await signedIn(server, w.seed);
    const sensitive = await signedIn(server, w.seed, 'approver');
    await admin.http().patch(`/api/v1/members/${sensitive.user.id}`).send({ see_sensitive: true }).expect(200);
    const viewer = await signedIn(server, w.seed, 'viewer');
    const callers = [
      ['a reviewer', w.reviewer.http()],
      ['another key of the org', server.http(w.otherKey)],
      ['a viewer', viewer.http()],
      ['a member who sees sensitive fields', sensitive.http()],
    ] as const;
    for (const [who, http] of callers) {
      const got = Approval.parse((await http.get(`/api/v1/approvals/${id}`).expect(200)).body);
      expect(got, who).toMatchObject(hidden);
      const list = (await http.get('/api/v1/approvals?status=pending').expect(200)).body.data as Approval[];
      expect(list.find((a) => a.id === id), who).toMatchObject(hidden);
      const search = (await http.get('/api/v1/approvals?search=Request').expect(200)).body.data as Approval[];
      expect(search.map((a) => a.id), who).toEqual([id]);
      const wait = (await http.get(`/api/v1/approvals/${id}/wait?timeout=1`).expect(200)).body;
      expect(wait, who).toMatchObject({ ...hidden, timed_out: true });
      const events = (await http.get(`/api/v1/approvals/${id}/events`).expect(200)).body;
      for (const answer of [got, list, search, wait, events]) expect(leaks(answer, w.url), who).toBe(false);
    }
  });

  it('the event stream of another key', async () => {
    const w = await world();
    const stream = await openSse(`${server.url}/api/v1/events?last_event_id=0`, { key: w.otherKey });
    try {
      const [message] = await stream.waitFor(1);
      expect(WebhookPayload.parse(JSON.parse(message!.data)).data.approval).toMatchObject({ id: w.ids[0], ...hidden });
      expect(leaks(stream.messages, w.url)).toBe(false);
    } finally {
      stream.close();
    }
  });

  it('deciding: the decision’s answer, a batch decision’s, a revoke’s; the delivery log; a subscription delivery', async () => {
    const w = await world(2, { revocable_for_seconds: 300 });
    const [first, second] = w.ids as [string, string];
    const hooks = await newReceiver();
    const sub = await server.http(w.otherKey).post('/api/v1/webhooks').send({ url: `${hooks.url}/hook`, events: ['approval.approved'] }).expect(201);
    const decided = (await w.reviewer.http().patch(`/api/v1/approvals/${first}`).send({ decision: 'approve' }).expect(200)).body;
    expect(decided).toMatchObject({ status: 'approved', ...hidden });
    const batch = (await w.reviewer.http().post('/api/v1/approvals/batch-decide').send({ ids: [second], decision: 'approve' }).expect(200)).body;
    expect(batch.data[0].approval).toMatchObject({ status: 'approved', ...hidden });
    const revoked = (await w.reviewer.http().post(`/api/v1/approvals/${first}/revoke`).send({ reason: 'wrong one' }).expect(200)).body;
    expect(revoked).toMatchObject({ status: 'rejected', ...hidden });

    // The callbacks went out in full, each naming its own request, to the one receiver.
    await receiver.until(() => w.ids.every((id) => receiver.received.some((r) => r.body.includes(id) && r.body.includes('approval.approved'))));
    const secret = (await server.http(w.seed.key).get('/api/v1/callback-secret').expect(200)).body.secret as string;
    for (const id of w.ids) {
      const got = receiver.received.find((r) => r.body.includes(id) && r.body.includes('approval.approved'))!;
      expect(got.path).toBe(new URL(w.url).pathname);
      const payload = WebhookPayload.parse(new Webhook(secret).verify(got.body, got.headers as Record<string, string>));
      expect(payload.data).toMatchObject({ approval_id: id, approval: { id, callback_url: w.url, has_callback: true } });
    }

    // The delivery log: the callbacks' address only for the requester and admins.
    const callbacks = (body: { data: { target: string; url: string | null }[] }) => body.data.filter((d) => d.target === 'callback');
    const asReviewer = callbacks((await w.reviewer.http().get(`/api/v1/deliveries?approval_id=${first}`).expect(200)).body);
    expect(asReviewer.length).toBeGreaterThan(0);
    expect(asReviewer.every((d) => d.url === null)).toBe(true);
    const asRequester = callbacks((await server.http(w.seed.key).get(`/api/v1/deliveries?approval_id=${first}`).expect(200)).body);
    expect(asRequester.every((d) => d.url === w.url)).toBe(true);
    const asAdmin = callbacks((await (await signedIn(server, w.seed)).http().get(`/api/v1/deliveries?approval_id=${first}`).expect(200)).body);
    expect(asAdmin.every((d) => d.url === w.url)).toBe(true);

    // A subscription is no waiter of the request: its deliveries carry no callback address.
    await hooks.until(() => hooks.received.length >= 2);
    for (const got of hooks.received) {
      const payload = WebhookPayload.parse(new Webhook(sub.body.secret).verify(got.body, got.headers as Record<string, string>));
      expect(payload.data.approval).toMatchObject(hidden);
    }
    expect(leaks(hooks.received.map((r) => r.body), w.url)).toBe(false);
  });
});

describe('who sees it', () => {
  it('the key that made the request, in every answer; an admin; the answer of a receipt it reports', async () => {
    const w = await world();
    const [id] = w.ids as [string];
    const own = server.http(w.seed.key);
    expect((await own.get(`/api/v1/approvals/${id}`).expect(200)).body).toMatchObject({ callback_url: w.url, has_callback: true });
    expect(((await own.get('/api/v1/approvals').expect(200)).body.data as Approval[]).find((a) => a.id === id)).toMatchObject({ callback_url: w.url });
    expect((await own.get(`/api/v1/approvals/${id}/wait?timeout=1`).expect(200)).body).toMatchObject({ callback_url: w.url });
    const admin = await signedIn(server, w.seed);
    expect((await admin.http().get(`/api/v1/approvals/${id}`).expect(200)).body).toMatchObject({ callback_url: w.url });

    await w.reviewer.http().patch(`/api/v1/approvals/${id}`).send({ decision: 'approve' }).expect(200);
    const receipt = (await own.post(`/api/v1/approvals/${id}/execution`).send({ status: 'succeeded' }).expect(200)).body;
    expect(receipt).toMatchObject({ callback_url: w.url });
  });

  it('a request without a callback says so to everyone', async () => {
    const seed = await seedOrg(server.db);
    const created = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
    const other = (await seed.newKey()).key;
    expect((await server.http(other).get(`/api/v1/approvals/${created.body.id}`).expect(200)).body).toMatchObject({ callback_url: null, has_callback: false });
  });
});
