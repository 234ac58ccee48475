/**
 * "Approve and the same for the next hour" in Slack: offered on a person's own message only when
 * `viewer_can.grant` allows it, a signed click approves and gives the grant through the one grant path,
 * the grant then approves the connection's next matching request; a click forged where it is not
 * offered gives nothing and tells the person why.
 */
import { expect, it } from 'vitest';
import { approvalBody } from '../../testing/harness.ts';
import { blocksOf, channelPost, click, createRequest, settled, slackOrg, statusOf, useSlackWorld, type SlackWorld } from '../../testing/slack-world.ts';

let w: SlackWorld;

useSlackWorld((world) => (w = world));

const dmTo = (slackId: string, approvalId: string) =>
  w.slack.of('chat.postMessage', (c) => c.args.channel === slackId && JSON.stringify(c.args.blocks).includes(approvalId));
const actionIds = (call: Parameters<typeof blocksOf>[0]) =>
  (blocksOf(call, 'actions').flatMap((b) => (b as { elements: { action_id: string }[] }).elements)).map((e) => e.action_id);
const grantsOn = async (approvalId: string) =>
  (await w.server.db.query<{ given_by: string; expires_at: Date; created_at: Date; connection_id: string }>('SELECT given_by, expires_at, created_at, connection_id FROM grants WHERE given_on = $1', [approvalId])).rows;

it('offered to the person asked, a click approves and gives an hour’s grant that approves the next matching request', async () => {
  const org = await slackOrg(w);
  const id = await createRequest(w, org, { action_type: 'deploy.staging', priority: 'medium' });
  await w.slack.until(() => dmTo(org.alice.slackId, id).length === 1 && channelPost(w, id).length === 1);
  await settled(w, id);
  expect(actionIds(dmTo(org.alice.slackId, id)[0]!)).toEqual(['greenlight_approve', 'greenlight_approve_grant', 'greenlight_reject', 'greenlight_comment', 'greenlight_open']);
  expect(JSON.stringify(dmTo(org.alice.slackId, id)[0]!.args.blocks)).toContain('Approve and the same for the next hour');
  // A channel's readers are anyone: no grant offered there.
  expect(actionIds(channelPost(w, id)[0]!)).not.toContain('greenlight_approve_grant');

  await click(w, { secret: org.secret, approvalId: id, slackUserId: org.alice.slackId, action: 'greenlight_approve_grant', channel: 'CGRANT' }).expect(200);
  expect(await statusOf(w, id)).toMatchObject({ status: 'approved', decided_by: org.alice.id });
  const [grant] = await grantsOn(id);
  expect(grant).toMatchObject({ given_by: org.alice.id, connection_id: org.seed.connectionId });
  expect(grant!.expires_at.getTime() - grant!.created_at.getTime()).toBe(3600_000);
  const told = w.slack.of('chat.postEphemeral', (c) => c.args.channel === 'CGRANT' && c.args.user === org.alice.slackId);
  expect(told.map((c) => c.args.text)).toEqual([expect.stringMatching(/^Approved, and the same for the next hour/)]);

  const next = (await w.server.http(org.seed.key).post('/api/v1/approvals').send(approvalBody({ title: 'again', action_type: 'deploy.staging', priority: 'medium' })).expect(201)).body;
  expect(next).toMatchObject({ status: 'approved', decided_by_type: 'grant', decided_by_grant: { given_by: { id: org.alice.id }, use: 1 } });
});

it('not offered where viewer_can.grant refuses (a critical request); a forged click gives nothing and says why', async () => {
  const org = await slackOrg(w);
  const id = await createRequest(w, org, { action_type: 'deploy.prod', priority: 'critical' });
  await w.slack.until(() => dmTo(org.alice.slackId, id).length === 1);
  await settled(w, id);
  expect(actionIds(dmTo(org.alice.slackId, id)[0]!)).toEqual(['greenlight_approve', 'greenlight_reject', 'greenlight_comment', 'greenlight_open']);

  await click(w, { secret: org.secret, approvalId: id, slackUserId: org.alice.slackId, action: 'greenlight_approve_grant', channel: 'CFORGED' }).expect(200);
  expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });
  expect(await grantsOn(id)).toEqual([]);
  const told = w.slack.of('chat.postEphemeral', (c) => c.args.channel === 'CFORGED' && c.args.user === org.alice.slackId);
  expect(told.map((c) => c.args.text)).toEqual(['Nothing was decided: grant: A critical request of action type deploy.prod never goes without a person.']);
});

it('a click signed with another secret gives nothing', async () => {
  const org = await slackOrg(w);
  const id = await createRequest(w, org, { action_type: 'deploy.staging', priority: 'medium' });
  await click(w, { secret: 'not-the-secret-0123456789', approvalId: id, slackUserId: org.alice.slackId, action: 'greenlight_approve_grant' }).expect(401);
  expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });
  expect(await grantsOn(id)).toEqual([]);
});
