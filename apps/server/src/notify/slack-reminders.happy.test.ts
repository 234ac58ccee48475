/**
 * Reminders reach people through the channels they chose, not email alone: an org with Slack on a
 * server without any mail server gets its reminders in Slack, as a direct message to each person the
 * step still waits for (with the request's buttons, rewritten when it is decided) and as a reply in the
 * thread of the request's post in its channel. Against the Slack stand-in (testing/slack.ts); the
 * server's own timer poll is off (harness), the test fires the timers. And a revoked approval rewrites
 * the messages again.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/harness.ts';
import { startSlackApi, type TestSlackApi, type SlackCall } from '../testing/slack.ts';
import { createRequest, settled, slackOrg } from '../testing/slack-world.ts';
import { signedIn } from '../testing/session.ts';
import { fireDueTimers } from '../jobs/timers.ts';

let server: TestServer;
let slack: TestSlackApi;

beforeAll(async () => {
  slack = await startSlackApi();
  // No GREENLIGHT_SMTP_URL: this server sends no email at all.
  server = await startTestServer({
    config: {
      GREENLIGHT_SLACK_API_URL: slack.url,
      GREENLIGHT_PUBLIC_URL: 'https://greenlight.example.test',
      GREENLIGHT_DELIVERY_SCHEDULE: '0,100ms,100ms',
      GREENLIGHT_DELIVERY_SWEEP_MS: '100',
      GREENLIGHT_DELIVERY_TIMEOUT_MS: '3000',
    },
  });
  expect(server.deps.config.mail).toBeNull();
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await slack?.close();
});

const mentions = (c: SlackCall, approvalId: string) => JSON.stringify(c.args.blocks ?? '').includes(approvalId);

it('a Slack-only org gets its reminders in Slack: a direct message to whoever the step still waits for, and a reply in the thread of the request in its channel', async () => {
  const w = { server, slack };
  const org = await slackOrg(w);
  const admin = org.admin;
  // Bob (known to Slack) is asked; alice is not, and must not be reminded.
  const bob = await signedIn(server, org.seed, 'approver');
  slack.addUser({ id: 'UBOB', email: bob.user.email });
  await admin.http().patch('/api/v1/org/notification-defaults').send({ reminder_policy: { remind: { after: '1s' } } }).expect(200);
  const flow = await admin
    .http()
    .post('/api/v1/flows')
    .send({ name: 'Deploy', steps: [{ approvers: { user_ids: [bob.user.id] } }] })
    .expect(201);
  const id = await createRequest(w, org, { flow_id: flow.body.id });

  const dm = (c: SlackCall) => c.args.channel === 'UBOB' && mentions(c, id);
  const inChannel = (c: SlackCall) => String(c.args.channel).startsWith('#') && mentions(c, id);
  // The direct message and the channel post are separate deliveries, sent side by side: either may land first.
  await slack.until(() => slack.of('chat.postMessage', dm).length === 1 && slack.of('chat.postMessage', inChannel).length >= 1);
  const post = slack.of('chat.postMessage', inChannel);
  expect(post).toHaveLength(1);
  const channel = String(post[0]!.args.channel);

  // The step's reminder comes due after a second; the test fires it (the server's own poll is off).
  const start = Date.now();
  while (Date.now() - start < 15_000) {
    if ((await fireDueTimers({ db: server.db, notify: false })) > 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const reminderDm = (c: SlackCall) => dm(c) && String(c.args.text).includes('Reminder');
  const threadReply = (c: SlackCall) => c.args.thread_ts !== undefined && String(c.args.text).includes('Reminder');
  await slack.until(() => slack.of('chat.postMessage', reminderDm).length === 1 && slack.of('chat.postMessage', threadReply).length === 1);
  await settled(w, id);

  // The reminder carries the request's buttons, like the first message; the thread reply points at the post.
  const reminder = slack.of('chat.postMessage', reminderDm)[0]!;
  expect(JSON.stringify(reminder.args.blocks)).toContain('greenlight_approve');
  const reply = slack.of('chat.postMessage', threadReply)[0]!;
  expect(reply.args.channel).toBe(channel.replace(/^#/, 'C_'));
  const { rows: parent } = await server.db.query<{ ts: string }>(
    `SELECT address ->> 'ts' AS ts FROM sent_messages WHERE approval_id = $1 AND recipient_user_id IS NULL`,
    [id],
  );
  expect(reply.args.thread_ts).toBe(parent[0]!.ts);
  expect(String(reply.args.text)).toContain('still waits for a decision');
  // Nobody else was messaged about it, and nothing was queued for email.
  const elsewhere = (c: SlackCall) => mentions(c, id) && c.args.channel !== 'UBOB' && !String(c.args.channel).startsWith('#') && !threadReply(c);
  expect(slack.of('chat.postMessage', elsewhere)).toEqual([]);
  const { rows: email } = await server.db.query('SELECT 1 FROM deliveries WHERE approval_id = $1 AND channel = $2', [id, 'email']);
  expect(email).toEqual([]);

  // Decided: every message with buttons is rewritten without them, the reminder too.
  await bob.http().patch(`/api/v1/approvals/${id}`).send({ decision: 'approve' }).expect(200);
  await slack.until(() => slack.of('chat.update').filter((c) => mentions(c, id)).length === 3);
  await settled(w, id);
  const updated = slack.of('chat.update').filter((c) => mentions(c, id));
  expect(updated.every((c) => !JSON.stringify(c.args.blocks).includes('greenlight_approve'))).toBe(true);
});

it('an approval revoked after its messages were rewritten rewrites them again, as rejected', async () => {
  const w = { server, slack };
  const org = await slackOrg(w, { dm: false });
  const approver = await org.seed.newKey();
  const id = await createRequest(w, org, { revocable_for_seconds: 600 });
  await slack.until(() => slack.of('chat.postMessage', (c) => mentions(c, id)).length === 1);
  await settled(w, id);
  await server.http(approver.key).patch(`/api/v1/approvals/${id}`).send({ decision: 'approve' }).expect(200);
  await slack.until(() => slack.of('chat.update', (c) => mentions(c, id)).length === 1);
  await settled(w, id);
  expect(JSON.stringify(slack.of('chat.update', (c) => mentions(c, id))[0]!.args.blocks)).toContain('Approved');

  await server.http(approver.key).post(`/api/v1/approvals/${id}/revoke`).send({ reason: 'wrong account' }).expect(200);
  await slack.until(() => slack.of('chat.update', (c) => mentions(c, id)).length === 2);
  await settled(w, id);
  const last = slack.of('chat.update', (c) => mentions(c, id))[1]!;
  expect(JSON.stringify(last.args.blocks)).toContain('Rejected');
  expect(JSON.stringify(last.args.blocks)).not.toContain('greenlight_approve');
});
