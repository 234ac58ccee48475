/**
 * Slack end to end, against a local HTTP server standing in for the Slack Web API: settings, the
 * Block Kit message posted to the channel and to each person asked, a signed click deciding through
 * the one decision path, the comment modal, and every message rewritten with the outcome however
 * the request ended (Slack, the API, an email link, a cancellation, the expiry sweep).
 */
import supertest from 'supertest';
import { expect, it } from 'vitest';
import { REDACTED_VALUE } from '@greenlight/contract';
import { expireDue } from '../../core/approvals/index.ts';
import {
  BOT_TOKEN,
  blocksOf,
  channelPost,
  click,
  createRequest,
  settled,
  slackOrg,
  statusOf,
  submitModal,
  useSlackWorld,
  type SlackWorld,
} from '../../testing/slack-world.ts';
import { confirmationForm, linkIn } from '../../testing/decision-links.ts';
import { sessionOf } from '../../testing/session.ts';

let w: SlackWorld;

useSlackWorld((world) => (w = world));

it('settings: admins set the bot token and signing secret (sealed, never shown again), the channel and direct messages; audit logged', async () => {
  const org = await slackOrg(w);
  const got = (await org.admin.http().get('/api/v1/org/slack').expect(200)).body;
  expect(got).toMatchObject({
    configured: true,
    bot_token: { configured: true },
    signing_secret: { configured: true },
    dm_approvers: true,
    interactivity_url: 'https://greenlight.example.test/slack/interactivity',
  });
  expect(JSON.stringify(got)).not.toContain(BOT_TOKEN);
  expect(JSON.stringify(got)).not.toContain(org.secret);
  const { rows } = await w.server.db.query<{ bot_token: string; signing_secret: string }>('SELECT bot_token, signing_secret FROM slack_settings WHERE org_id = $1', [org.seed.org.id]);
  expect(rows[0]!.bot_token).toMatch(/^gl1:/);
  expect(rows[0]!.signing_secret).toMatch(/^gl1:/);
  expect(rows[0]!.bot_token).not.toContain(BOT_TOKEN);

  // A later change may leave the secrets out; they are kept.
  const changed = (await org.admin.http().patch('/api/v1/org/slack').send({ default_channel: '#other', dm_approvers: false }).expect(200)).body;
  expect(changed).toMatchObject({ configured: true, default_channel: '#other', dm_approvers: false });
  const after = await w.server.db.query<{ bot_token: string }>('SELECT bot_token FROM slack_settings WHERE org_id = $1', [org.seed.org.id]);
  expect(after.rows[0]!.bot_token).toBe(rows[0]!.bot_token);

  expect((await org.admin.http().get('/api/v1/me').expect(200)).body.notifications).toEqual({ email: true, slack: true, telegram: false, discord: false, msteams: false });

  const audit = (await org.admin.http().get('/api/v1/audit-log?type=slack.configured').expect(200)).body as { data: { type: string; details: unknown }[] };
  const entries = audit.data.filter((e) => e.type === 'slack.configured');
  expect(entries).toHaveLength(2);
  expect(JSON.stringify(entries)).not.toContain(BOT_TOKEN);
  expect(JSON.stringify(entries)).not.toContain(org.secret);
  expect(entries.map((e) => e.details)).toContainEqual({
    replaced_secrets: [],
    from: { default_channel: expect.stringMatching(/^#approvals-/), dm_approvers: true },
    to: { default_channel: '#other', dm_approvers: false },
  });

  const removed = (await org.admin.http().delete('/api/v1/org/slack').expect(200)).body;
  expect(removed).toMatchObject({ configured: false, bot_token: { configured: false }, default_channel: null });
  expect((await org.admin.http().get('/api/v1/me').expect(200)).body.notifications).toEqual({ email: true, slack: false, telegram: false, discord: false, msteams: false });
  const log = (await org.admin.http().get('/api/v1/audit-log').expect(200)).body as { data: { type: string }[] };
  expect(log.data.some((e) => e.type === 'slack.removed')).toBe(true);
});

it('a new request is posted to the channel and to each person asked, as Block Kit with Approve / Reject / comment buttons, recorded in the delivery log', async () => {
  const org = await slackOrg(w);
  const id = await createRequest(w, org, {
    title: 'Delete <!channel> user',
    description: 'Deletes *everything* for <https://evil.example|this link>',
    priority: 'critical',
    expires_at: new Date(Date.now() + 3600_000).toISOString(),
    changes: { before: { plan: 'pro', card: '4242' }, after: { plan: null, card: '0000' } },
    redact: ['changes.before.card', 'changes.after.card'],
  });
  await w.slack.until(() => channelPost(w, id).length === 1 && w.slack.of('chat.postMessage', (c) => c.args.channel === org.alice.slackId).length === 1);
  await settled(w, id);

  const post = channelPost(w, id)[0]!;
  expect(post.token).toBe(BOT_TOKEN);
  expect(post.args.text).toBe('[critical] Approval needed: Delete &lt;!channel&gt; user');
  const blocks = JSON.stringify(post.args.blocks);
  expect(blocksOf(post, 'header')[0]).toMatchObject({ text: { type: 'plain_text', text: 'Delete <!channel> user' } });
  // Nothing from the request becomes a mention or a link in mrkdwn.
  expect(blocks).toContain('Deletes *everything* for &lt;https://evil.example|this link&gt;');
  expect(blocks).toContain('critical');
  expect(blocks).toContain('primary');
  expect(blocks).toContain('Expires');
  expect(blocks).toContain('plan: \\"pro\\" → null');
  // In a channel, sensitive fields are masked; the approver's own message masks them too (no permission).
  expect(blocks).toContain(REDACTED_VALUE);
  expect(blocks).not.toContain('4242');
  const actions = blocksOf(post, 'actions')[0] as { elements: { action_id: string; value?: string; url?: string }[] };
  expect(actions.elements.map((e) => e.action_id)).toEqual(['greenlight_approve', 'greenlight_reject', 'greenlight_comment', 'greenlight_open']);
  expect(actions.elements.slice(0, 3).every((e) => e.value === id)).toBe(true);
  expect(actions.elements[3]!.url).toBe(`https://greenlight.example.test/requests/${id}`);

  // Direct messages: alice (found by her email); the admin is asked too but has no Slack account.
  expect(w.slack.of('users.lookupByEmail').map((c) => c.args.email)).toEqual(expect.arrayContaining([org.alice.email, org.seed.admin.email]));
  const dm = w.slack.of('chat.postMessage', (c) => c.args.channel === org.alice.slackId)[0]!;
  expect(JSON.stringify(dm.args.blocks)).toContain(REDACTED_VALUE);

  const log = (await w.server.http(org.seed.key).get(`/api/v1/deliveries?approval_id=${id}`).expect(200)).body as {
    data: { target: string; url: string; status: string; last_error: string | null }[];
  };
  const slackRows = log.data.filter((d) => d.target === 'slack');
  expect(slackRows.map((d) => d.url).sort()).toEqual(
    [`slack:channel:${String(post.args.channel)}`, `slack:dm:${org.alice.email}`, `slack:dm:${org.seed.admin.email}`].sort(),
  );
  expect(slackRows.find((d) => d.url === `slack:dm:${org.alice.email}`)!.status).toBe('delivered');
  // Nobody in Slack has the admin's address: nobody to message, not retried.
  expect(slackRows.find((d) => d.url === `slack:dm:${org.seed.admin.email}`)).toMatchObject({ status: 'gone', last_error: 'slack: users_not_found' });
  const { rows } = await w.server.db.query<{ channel: string; ts: string }>(`SELECT address ->> 'channel' AS channel, address ->> 'ts' AS ts FROM sent_messages WHERE approval_id = $1 ORDER BY 1`, [id]);
  expect(rows).toHaveLength(2);
});

it('an admin with the permission sees sensitive fields in their own direct message', async () => {
  const org = await slackOrg(w);
  w.slack.addUser({ id: `UADMIN${org.seed.org.id.slice(0, 6)}`, email: org.seed.admin.email });
  const id = await createRequest(w, org, { changes: { before: { card: '4242' }, after: { card: '0000' } }, redact: ['changes.after.card'] });
  const adminId = `UADMIN${org.seed.org.id.slice(0, 6)}`;
  await w.slack.until(() => w.slack.of('chat.postMessage', (c) => c.args.channel === adminId).length === 1);
  const dm = w.slack.of('chat.postMessage', (c) => c.args.channel === adminId)[0]!;
  expect(JSON.stringify(dm.args.blocks)).toContain('0000');
  await w.slack.until(() => channelPost(w, id).length === 1);
  expect(JSON.stringify(channelPost(w, id)[0]!.args.blocks)).not.toContain('0000');
});

it('a signed Approve click decides as the person, and every message of the request is rewritten with the outcome, without buttons', async () => {
  const org = await slackOrg(w);
  const id = await createRequest(w, org);
  await w.slack.until(() => channelPost(w, id).length === 1);
  await settled(w, id);

  await click(w, { secret: org.secret, approvalId: id, slackUserId: org.alice.slackId, action: 'greenlight_approve' }).expect(200);
  expect(await statusOf(w, id)).toMatchObject({ status: 'approved', decided_by: org.alice.id, votes: 1 });
  const events = (await w.server.http(org.seed.key).get(`/api/v1/approvals/${id}/events`).expect(200)).body as { data: { type: string; data: { source?: string } }[] };
  expect(events.data.find((e) => e.type === 'approval.approved')!.data.source).toBe('slack');

  const { rows } = await w.server.db.query<{ channel: string; ts: string }>(`SELECT address ->> 'channel' AS channel, address ->> 'ts' AS ts FROM sent_messages WHERE approval_id = $1`, [id]);
  expect(rows.length).toBe(2);
  await w.slack.until(() => rows.every((m) => w.slack.of('chat.update', (c) => c.args.channel === m.channel && c.args.ts === m.ts).length === 1));
  for (const m of rows) {
    const update = w.slack.of('chat.update', (c) => c.args.channel === m.channel && c.args.ts === m.ts)[0]!;
    const blocks = JSON.stringify(update.args.blocks);
    expect(blocks).toContain('Approved');
    expect(blocks).toContain(org.alice.email);
    expect(blocks).not.toContain('greenlight_approve');
    expect(blocks).not.toContain('greenlight_reject');
    expect(String(update.args.text)).toMatch(/^\[approved\] /);
  }
  await settled(w, id);
});

it('decided elsewhere (the API): the Slack messages are updated', async () => {
  const org = await slackOrg(w);
  const id = await createRequest(w, org);
  await w.slack.until(() => channelPost(w, id).length === 1);
  await settled(w, id);
  const other = await org.seed.newKey();
  await w.server.http(other.key).patch(`/api/v1/approvals/${id}`).send({ decision: 'reject', comment: 'no' }).expect(200);
  const { rows } = await w.server.db.query<{ channel: string; ts: string }>(`SELECT address ->> 'channel' AS channel, address ->> 'ts' AS ts FROM sent_messages WHERE approval_id = $1`, [id]);
  await w.slack.until(() => rows.every((m) => w.slack.of('chat.update', (c) => c.args.ts === m.ts).length === 1));
  expect(JSON.stringify(w.slack.of('chat.update', (c) => c.args.ts === rows[0]!.ts)[0]!.args.blocks)).toContain('Rejected');
});

it('across channels: decided in Slack, the email link says it was already decided; decided by an email link, the Slack message is updated', async () => {
  const org = await slackOrg(w);
  const linkOf = async (approvalId: string, label: 'Approve' | 'Reject') => {
    await w.smtp.until(() => w.smtp.to(org.alice.email).some((m) => m.text.includes(approvalId)));
    const text = w.smtp.to(org.alice.email).find((m) => m.text.includes(approvalId))!.text;
    return new URL(new RegExp(`${label}: (\\S+)`).exec(text)![1]!).pathname;
  };

  // Slack first: alice's unused email link then answers what happened.
  const first = await createRequest(w, org);
  const link = await linkOf(first, 'Reject');
  // Her confirmation page, opened before the click and submitted after it.
  const form = await confirmationForm(w.server.url, link);
  await w.slack.until(() => channelPost(w, first).length === 1);
  await click(w, { secret: org.secret, approvalId: first, slackUserId: org.alice.slackId, action: 'greenlight_approve' }).expect(200);
  const page = await supertest(w.server.url).get(link).expect(200);
  expect(page.text).toContain('already approved by');
  expect((await form.submit().expect(200)).text).toContain('already approved by');
  expect(await statusOf(w, first)).toMatchObject({ status: 'approved', votes: 1 });

  // The email link first: the Slack messages are rewritten.
  const second = await createRequest(w, org);
  const approve = await linkOf(second, 'Approve');
  await w.slack.until(() => channelPost(w, second).length === 1);
  await settled(w, second);
  await (await confirmationForm(w.server.url, approve)).submit().expect(303);
  expect(await statusOf(w, second)).toMatchObject({ status: 'approved' });
  const channelTs = (await w.server.db.query<{ ts: string }>(`SELECT address ->> 'ts' AS ts FROM sent_messages WHERE approval_id = $1 AND recipient_user_id IS NULL`, [second])).rows[0]!.ts;
  await w.slack.until(() => w.slack.of('chat.update', (c) => c.args.ts === channelTs).length === 1);
  expect(JSON.stringify(w.slack.of('chat.update', (c) => c.args.ts === channelTs)[0]!.args.blocks)).toContain('Approved');
});

it("a routed request goes to its rule's channel, not the org's; decided on the dashboard, every message is rewritten and the email links say so", async () => {
  const org = await slackOrg(w);
  await org.admin
    .http()
    .put('/api/v1/routing-rules')
    .send({ rules: [{ name: 'Incidents', match: { priority: 'critical' }, action: { approvers: { user_ids: [org.alice.id] }, slack_channel: '#incidents' } }] })
    .expect(200);
  const id = await createRequest(w, org, { priority: 'critical' });
  const about = (c: { args: Record<string, unknown> }) => JSON.stringify(c.args.blocks).includes(id);
  await w.slack.until(
    () =>
      w.slack.of('chat.postMessage', (c) => c.args.channel === '#incidents' && about(c)).length === 1 &&
      w.slack.of('chat.postMessage', (c) => c.args.channel === org.alice.slackId && about(c)).length === 1,
  );
  await settled(w, id);
  // The rule's channel only, and a direct message only to the person the rule asks.
  expect(w.slack.of('chat.postMessage', about)).toHaveLength(2);
  await w.smtp.until(() => w.smtp.to(org.alice.email).some((m) => m.text.includes(id)));
  const form = await confirmationForm(w.server.url, linkIn(w.smtp.to(org.alice.email).find((m) => m.text.includes(id))!.text, 'Reject'));

  const alice = await sessionOf(w.server, org.seed, org.alice);
  await alice.http().patch(`/api/v1/approvals/${id}`).send({ decision: 'approve', comment: 'from the dashboard' }).expect(200);
  const { rows } = await w.server.db.query<{ ts: string }>(`SELECT address ->> 'ts' AS ts FROM sent_messages WHERE approval_id = $1`, [id]);
  expect(rows).toHaveLength(2);
  await w.slack.until(() => rows.every((m) => w.slack.of('chat.update', (c) => c.args.ts === m.ts).length === 1));
  for (const m of rows) expect(JSON.stringify(w.slack.of('chat.update', (c) => c.args.ts === m.ts)[0]!.args.blocks)).toContain('Approved');
  // Her email's confirmation page, open before, now says what happened and decides nothing.
  expect((await form.submit().expect(200)).text).toContain(`already approved by ${org.alice.email}`);
  expect(await statusOf(w, id)).toMatchObject({ status: 'approved', votes: 1 });
});

it('each person is told by the channels they chose (email, Slack, both, the digest only), else by the org defaults', async () => {
  const org = await slackOrg(w, { channel: null });
  const member = async (channels: 'email' | 'slack' | 'both' | 'digest_only' | null, n: number) => {
    const user = await org.seed.addUser('approver');
    const slackId = `UPREF${n}${org.seed.org.id.slice(0, 8)}`;
    w.slack.addUser({ id: slackId, email: user.email });
    if (channels) await (await sessionOf(w.server, org.seed, user)).http().patch('/api/v1/me/notification-preferences').send({ channels }).expect(200);
    return { ...user, slackId };
  };
  const people = {
    email: await member('email', 1),
    slack: await member('slack', 2),
    both: await member('both', 3),
    digest: await member('digest_only', 4),
    // Chose nothing: the org defaults (Slack only, set below) apply, as they do to alice and the admin.
    defaults: await member(null, 5),
  };
  await org.admin.http().patch('/api/v1/org/notification-defaults').send({ preferences: { channels: 'slack' } }).expect(200);
  const id = await createRequest(w, org);
  await w.slack.until(() => [people.slack, people.both, people.defaults, org.alice].every((p) => w.slack.of('chat.postMessage', (c) => c.args.channel === p.slackId).length === 1));
  await w.smtp.until(() => [people.email, people.both].every((p) => w.smtp.to(p.email).length === 1));
  await settled(w, id);
  const dms = (p: { slackId: string }) => w.slack.of('chat.postMessage', (c) => c.args.channel === p.slackId && JSON.stringify(c.args.blocks).includes(id)).length;
  const emails = (p: { email: string }) => w.smtp.to(p.email).filter((m) => m.text.includes(id)).length;
  expect(Object.fromEntries(Object.entries({ ...people, alice: org.alice }).map(([k, p]) => [k, { email: emails(p), slack: dms(p) }]))).toEqual({
    email: { email: 1, slack: 0 },
    slack: { email: 0, slack: 1 },
    both: { email: 1, slack: 1 },
    digest: { email: 0, slack: 0 },
    defaults: { email: 0, slack: 1 },
    alice: { email: 0, slack: 1 },
  });
  expect(w.smtp.to(org.seed.admin.email).filter((m) => m.text.includes(id))).toHaveLength(0);
});

it('cancelled or expired (the sweeper): the messages say so', async () => {
  const org = await slackOrg(w, { dm: false });
  const cancelled = await createRequest(w, org);
  const expiring = await createRequest(w, org, { expires_at: new Date(Date.now() + 1500).toISOString() });
  await w.slack.until(() => channelPost(w, cancelled).length === 1 && channelPost(w, expiring).length === 1);
  await settled(w, cancelled);
  await settled(w, expiring);
  await w.server.http(org.seed.key).delete(`/api/v1/approvals/${cancelled}`).expect(200);
  await new Promise((r) => setTimeout(r, 1600));
  await expireDue(w.server.db);
  const tsOf = async (id: string) => (await w.server.db.query<{ ts: string }>(`SELECT address ->> 'ts' AS ts FROM sent_messages WHERE approval_id = $1`, [id])).rows[0]!.ts;
  const [c, e] = [await tsOf(cancelled), await tsOf(expiring)];
  await w.slack.until(() => w.slack.of('chat.update', (x) => x.args.ts === c).length === 1 && w.slack.of('chat.update', (x) => x.args.ts === e).length === 1);
  expect(JSON.stringify(w.slack.of('chat.update', (x) => x.args.ts === c)[0]!.args.blocks)).toContain('Cancelled');
  expect(JSON.stringify(w.slack.of('chat.update', (x) => x.args.ts === e)[0]!.args.blocks)).toContain('Expired');
});

it('the comment button opens a modal; its submission decides with the comment', async () => {
  const org = await slackOrg(w, { dm: false });
  const id = await createRequest(w, org);
  await w.slack.until(() => channelPost(w, id).length === 1);
  await click(w, { secret: org.secret, approvalId: id, slackUserId: org.alice.slackId, action: 'greenlight_comment' }).expect(200);
  const opened = w.slack.of('views.open').at(-1)!;
  expect(opened.args.trigger_id).toBe('1234.5678.abcdef');
  const view = opened.args.view as { callback_id: string; private_metadata: string };
  expect(view.callback_id).toBe('greenlight_decide');
  expect(JSON.parse(view.private_metadata)).toMatchObject({ approval_id: id });
  expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });

  // No decision chosen: the modal says so, nothing changes.
  const empty = await submitModal(w, { secret: org.secret, approvalId: id, slackUserId: org.alice.slackId, decision: null }).expect(200);
  expect(empty.body).toMatchObject({ response_action: 'errors' });
  await submitModal(w, { secret: org.secret, approvalId: id, slackUserId: org.alice.slackId, decision: 'reject', comment: 'Not on a Friday' }).expect(200);
  const a = (await w.server.http(org.seed.key).get(`/api/v1/approvals/${id}`).expect(200)).body as { status: string; decision_comment: string };
  expect(a).toMatchObject({ status: 'rejected', decision_comment: 'Not on a Friday' });
});

it('with a quorum, a click that completes nothing tells the person their vote is recorded', async () => {
  const org = await slackOrg(w, { dm: false });
  const id = await createRequest(w, org, { required_approvals: 2 });
  await w.slack.until(() => channelPost(w, id).length === 1);
  await click(w, { secret: org.secret, approvalId: id, slackUserId: org.alice.slackId, action: 'greenlight_approve', channel: 'CQUORUM' }).expect(200);
  expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 1 });
  const told = w.slack.of('chat.postEphemeral', (c) => c.args.channel === 'CQUORUM' && c.args.user === org.alice.slackId);
  expect(told).toHaveLength(1);
  expect(told[0]!.args.text).toContain('1 of 2');
});

it('a failed post is retried on the outbox schedule; a refusal for good is not', async () => {
  const org = await slackOrg(w, { dm: false, channel: '#flaky' });
  w.slack.fail('chat.postMessage', 'internal_error', 1);
  const id = await createRequest(w, org);
  await settled(w, id);
  const log = (await w.server.http(org.seed.key).get(`/api/v1/deliveries?approval_id=${id}`).expect(200)).body as {
    data: { target: string; status: string; attempts: { error: string | null }[] }[];
  };
  const row = log.data.find((d) => d.target === 'slack')!;
  expect(row.status).toBe('delivered');
  expect(row.attempts.map((a) => a.error)).toEqual(['slack: internal_error', null]);

  w.slack.fail('chat.postMessage', 'channel_not_found', 1);
  const gone = await createRequest(w, org);
  await settled(w, gone);
  const log2 = (await w.server.http(org.seed.key).get(`/api/v1/deliveries?approval_id=${gone}`).expect(200)).body as {
    data: { target: string; status: string; attempts: unknown[] }[];
  };
  expect(log2.data.find((d) => d.target === 'slack')).toMatchObject({ status: 'failed', attempts: [expect.anything()] });
});

it('an org without Slack posts nothing and its requests queue no Slack rows', async () => {
  const org = await slackOrg(w);
  await org.admin.http().delete('/api/v1/org/slack').expect(200);
  const before = w.slack.calls.length;
  const id = await createRequest(w, org);
  await w.smtp.until(() => w.smtp.to(org.alice.email).some((m) => m.text.includes(id)));
  await settled(w, id);
  const { rows } = await w.server.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries WHERE approval_id = $1 AND channel = 'slack'`, [id]);
  expect(rows[0]!.n).toBe(0);
  expect(w.slack.calls.slice(before).filter((c) => JSON.stringify(c.args).includes(id))).toHaveLength(0);
});
