/**
 * Slack interactivity: every request is verified (signature over the raw body,
 * timestamp within 5 minutes, the org's own secret); the Slack user must be a member who may decide,
 * found by the email Slack confirmed; every refusal changes nothing and is told to that person only.
 * And the settings: admins only, signed in; secrets never shown.
 */
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { setEmergencyStop } from '../orgs/create-org.ts';
import { SYSTEM_ACTOR } from '../../core/audit.ts';
import { signedIn } from '../../testing/session.ts';
import { approvalBody } from '../../testing/harness.ts';
import { interactivityBody, slackSignature } from '../../testing/slack.ts';
import { channelPost, click, createRequest, slackOrg, statusOf, useSlackWorld, type SlackWorld } from '../../testing/slack-world.ts';
import { verifySlackSignature } from './verify-signature.ts';

let w: SlackWorld;

useSlackWorld((world) => (w = world));

describe('the signature check', () => {
  // Slack's documented example ("Verifying requests from Slack").
  const example = {
    signingSecret: '8f742231b10e8888abcd99yyyzzz85a5',
    rawBody:
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
    headers: { 'x-slack-request-timestamp': '1531420618', 'x-slack-signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503' },
  };
  const at = 1531420618 * 1000;

  it("accepts Slack's documented example", () => {
    expect(verifySlackSignature({ ...example, now: at })).toBe(true);
    expect(verifySlackSignature({ ...example, now: at + 4 * 60_000 })).toBe(true);
  });

  it.each([
    ['another secret', { signingSecret: '8f742231b10e8888abcd99yyyzzz85a6' }, at],
    ['a changed body', { rawBody: `${example.rawBody}x` }, at],
    ['a changed timestamp', { headers: { ...example.headers, 'x-slack-request-timestamp': '1531420619' } }, at],
    ['no signature', { headers: { 'x-slack-request-timestamp': '1531420618' } }, at],
    ['no timestamp', { headers: { 'x-slack-signature': example.headers['x-slack-signature'] } }, at],
    ['a timestamp that is not a number', { headers: { ...example.headers, 'x-slack-request-timestamp': '1531420618.5' } }, at],
    ['a signature of another version', { headers: { ...example.headers, 'x-slack-signature': example.headers['x-slack-signature'].replace('v0=', 'v1=') } }, at],
    ['more than 5 minutes old', {}, at + 5 * 60_000 + 1000],
    ['more than 5 minutes ahead', {}, at - 5 * 60_000 - 1000],
  ])('refuses %s', (_, change, now) => {
    expect(verifySlackSignature({ ...example, ...change, now } as Parameters<typeof verifySlackSignature>[0])).toBe(false);
  });
});

describe('the interactivity endpoint', () => {
  async function pending() {
    const org = await slackOrg(w, { dm: false });
    const id = await createRequest(w, org);
    await w.slack.until(() => channelPost(w, id).length === 1);
    return { org, id };
  }

  it('a bad signature is refused with 401 and changes nothing', async () => {
    const { org, id } = await pending();
    const res = await click(w, { secret: `${org.secret}x`, approvalId: id, slackUserId: org.alice.slackId, action: 'greenlight_approve' }).expect(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
    await click(w, { secret: org.secret, approvalId: id, slackUserId: org.alice.slackId, action: 'greenlight_approve', tamper: true }).expect(401);
    expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });
  });

  it('a correctly signed request older than 5 minutes (a replay) is refused', async () => {
    const { org, id } = await pending();
    const old = Math.floor(Date.now() / 1000) - 6 * 60;
    await click(w, { secret: org.secret, approvalId: id, slackUserId: org.alice.slackId, action: 'greenlight_approve', timestamp: old }).expect(401);
    const ahead = Math.floor(Date.now() / 1000) + 6 * 60;
    await click(w, { secret: org.secret, approvalId: id, slackUserId: org.alice.slackId, action: 'greenlight_approve', timestamp: ahead }).expect(401);
    expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });
  });

  it("another org's signing secret does not sign for this org's request", async () => {
    const { id } = await pending();
    const other = await slackOrg(w, { dm: false });
    await click(w, { secret: other.secret, approvalId: id, slackUserId: other.alice.slackId, action: 'greenlight_approve' }).expect(401);
    expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });
  });

  it('an unknown request, an org without Slack, and a body that is not Slack\'s are refused alike', async () => {
    const { org, id } = await pending();
    await click(w, { secret: org.secret, approvalId: '00000000-0000-4000-8000-000000000000', slackUserId: org.alice.slackId, action: 'greenlight_approve' }).expect(401);
    const body = 'payload=not-json';
    await supertest(w.server.url).post('/slack/interactivity').set(slackSignature(org.secret, body)).type('form').send(body).expect(400);
    await org.admin.http().delete('/api/v1/org/slack').expect(200);
    await click(w, { secret: org.secret, approvalId: id, slackUserId: org.alice.slackId, action: 'greenlight_approve' }).expect(401);
    expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });
  });

  type Who = (email: string) => null | string | { email: string; is_email_confirmed?: boolean; is_bot?: boolean };
  const people: [string, Who][] = [
    ['unknown to Slack', () => null],
    ['whose email is not a member of the org', () => 'stranger@example.test'],
    ['whose email Slack has not confirmed', (email) => ({ email, is_email_confirmed: false })],
    ['that is a bot', (email) => ({ email, is_bot: true })],
  ];
  it.each(people)('a Slack user %s gets an ephemeral refusal, and nothing changes', async (_, who) => {
    const { org, id } = await pending();
    const slackId = `UX${Math.random().toString(36).slice(2, 10).toUpperCase()}`;
    const made = who(org.alice.email);
    if (made !== null) w.slack.addUser(typeof made === 'string' ? { id: slackId, email: made } : { id: slackId, ...made });
    await click(w, { secret: org.secret, approvalId: id, slackUserId: slackId, action: 'greenlight_approve', channel: 'CREFUSE' }).expect(200);
    expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });
    const told = w.slack.of('chat.postEphemeral', (c) => c.args.user === slackId);
    expect(told).toHaveLength(1);
    expect(told[0]!.args.channel).toBe('CREFUSE');
    expect(String(told[0]!.args.text)).toMatch(/cannot|nothing was decided/i);
  });

  it('a viewer, the requester (four-eyes) and anyone during the emergency stop are refused with the reason', async () => {
    const org = await slackOrg(w, { dm: false });
    const viewer = await org.seed.addUser('viewer');
    w.slack.addUser({ id: `UV${viewer.id.slice(0, 8)}`, email: viewer.email });
    const requester = await signedIn(w.server, org.seed, 'approver');
    w.slack.addUser({ id: `UR${requester.user.id.slice(0, 8)}`, email: requester.user.email });
    const id = ((await requester.http().post('/api/v1/approvals').send(approvalBody({ title: 'Mine' })).expect(201)).body as { id: string }).id;

    await click(w, { secret: org.secret, approvalId: id, slackUserId: `UV${viewer.id.slice(0, 8)}`, action: 'greenlight_approve' }).expect(200);
    expect(String(w.slack.of('chat.postEphemeral', (c) => c.args.user === `UV${viewer.id.slice(0, 8)}`)[0]!.args.text)).toContain('viewer');

    await click(w, { secret: org.secret, approvalId: id, slackUserId: `UR${requester.user.id.slice(0, 8)}`, action: 'greenlight_approve' }).expect(200);
    expect(String(w.slack.of('chat.postEphemeral', (c) => c.args.user === `UR${requester.user.id.slice(0, 8)}`)[0]!.args.text)).toContain('cannot approve');

    await setEmergencyStop(w.server.db, org.seed.org.id, true, SYSTEM_ACTOR);
    await click(w, { secret: org.secret, approvalId: id, slackUserId: org.alice.slackId, action: 'greenlight_approve' }).expect(200);
    expect(String(w.slack.of('chat.postEphemeral', (c) => c.args.user === org.alice.slackId).at(-1)!.args.text)).toContain('emergency stop');
    expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });
    await setEmergencyStop(w.server.db, org.seed.org.id, false, SYSTEM_ACTOR);
  });

  it('a second click after the decision is refused as already decided', async () => {
    const { org, id } = await pending();
    await click(w, { secret: org.secret, approvalId: id, slackUserId: org.alice.slackId, action: 'greenlight_reject', channel: 'CTWICE' }).expect(200);
    await click(w, { secret: org.secret, approvalId: id, slackUserId: org.alice.slackId, action: 'greenlight_approve', channel: 'CTWICE' }).expect(200);
    expect(await statusOf(w, id)).toMatchObject({ status: 'rejected', votes: 1 });
    expect(String(w.slack.of('chat.postEphemeral', (c) => c.args.channel === 'CTWICE').at(-1)!.args.text)).toContain('already rejected');
  });

  it('a modal submission from someone who may not decide is refused in the modal', async () => {
    const { org, id } = await pending();
    const body = interactivityBody({
      type: 'view_submission',
      user: { id: 'UNOBODY' },
      view: {
        callback_id: 'greenlight_decide',
        private_metadata: JSON.stringify({ approval_id: id, channel: null }),
        state: { values: { decision: { decision: { selected_option: { value: 'approve' } } }, comment: { comment: { value: 'x' } } } },
      },
    });
    const res = await supertest(w.server.url).post('/slack/interactivity').set(slackSignature(org.secret, body)).type('form').send(body).expect(200);
    expect(res.body.response_action).toBe('errors');
    expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });
  });
});

describe('the settings', () => {
  it('only admins signed in to the dashboard read or change them; API keys and other roles get 403', async () => {
    const org = await slackOrg(w);
    const approver = await signedIn(w.server, org.seed, 'approver');
    await approver.http().get('/api/v1/org/slack').expect(403);
    await approver.http().patch('/api/v1/org/slack').send({ dm_approvers: false }).expect(403);
    await approver.http().delete('/api/v1/org/slack').expect(403);
    await w.server.http(org.seed.key).get('/api/v1/org/slack').expect(403);
    await w.server.http(org.seed.key).patch('/api/v1/org/slack').send({ dm_approvers: false }).expect(403);
    // A change without the CSRF token is refused too.
    await org.admin.http({ csrf: false }).patch('/api/v1/org/slack').send({ dm_approvers: false }).expect(403);
    expect((await org.admin.http().get('/api/v1/org/slack').expect(200)).body.dm_approvers).toBe(true);
  });

  it("another org's admin sees their own org's settings, never these", async () => {
    const org = await slackOrg(w);
    const other = await slackOrg(w, { channel: '#elsewhere' });
    expect((await other.admin.http().get('/api/v1/org/slack').expect(200)).body.default_channel).toBe('#elsewhere');
    expect((await org.admin.http().get('/api/v1/org/slack').expect(200)).body.default_channel).not.toBe('#elsewhere');
  });
});
