/**
 * What an answer submission cannot do (SECURITY.md 43, 44): unsigned or badly signed, it is 401; its
 * private_metadata binds the request and the Slack user the modal was opened for, sealed by Greenlight,
 * so a forged or altered one, one naming another request, or a modal submitted by someone else decides
 * nothing. Who may not decide the request gets no modal.
 */
import supertest from 'supertest';
import { expect, it } from 'vitest';
import { answerView, channelPost, click, createRequest, settled, slackOrg, statusOf, submitAnswer, useSlackWorld, type InputValue, type SlackWorld } from '../../testing/slack-world.ts';
import { interactivityBody, slackSignature } from '../../testing/slack.ts';

let w: SlackWorld;
useSlackWorld((world) => (w = world));

const SCHEMA = { type: 'object', properties: { amount: { type: 'number', maximum: 500 } }, required: ['amount'] };
const VALID: Record<string, InputValue> = { answer_amount: { type: 'number_input', value: '100' } };

async function pending(org: Awaited<ReturnType<typeof slackOrg>>): Promise<string> {
  const id = await createRequest(w, org, { response_schema: SCHEMA });
  await w.slack.until(() => channelPost(w, id).length === 1);
  await settled(w, id);
  return id;
}

async function opened(org: Awaited<ReturnType<typeof slackOrg>>, id: string, slackUserId = org.alice.slackId): Promise<string> {
  const before = w.slack.of('views.open').length;
  await click(w, { secret: org.secret, approvalId: id, slackUserId, action: 'greenlight_approve' }).expect(200);
  expect(w.slack.of('views.open').length).toBe(before + 1);
  return answerView(w).view.private_metadata;
}

it('unsigned, signed with another secret, or too old: 401, nothing decided', async () => {
  const org = await slackOrg(w);
  const other = await slackOrg(w);
  const id = await pending(org);
  const metadata = await opened(org, id);
  await submitAnswer(w, { secret: org.secret, privateMetadata: metadata, slackUserId: org.alice.slackId, values: VALID, sign: false }).expect(401);
  await submitAnswer(w, { secret: other.secret, privateMetadata: metadata, slackUserId: org.alice.slackId, values: VALID }).expect(401);
  const payload = { type: 'view_submission', user: { id: org.alice.slackId }, view: { callback_id: 'greenlight_answer', private_metadata: metadata, state: { values: { answer_amount: { value: VALID.answer_amount } } } } };
  const body = interactivityBody(payload);
  await supertest(w.server.url).post('/slack/interactivity').set(slackSignature(org.secret, body, Math.floor(Date.now() / 1000) - 600)).type('form').send(body).expect(401);
  expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });
});

it('private_metadata not sealed by Greenlight (plain JSON naming the request, altered, or naming another request): 401, nothing decided', async () => {
  const org = await slackOrg(w);
  const id = await pending(org);
  const target = await pending(org);
  const metadata = await opened(org, id);
  // Correctly signed by Slack's secret, but the metadata is the sender's own.
  for (const forged of [
    JSON.stringify({ approval_id: target, slack_user: org.alice.slackId, channel: null }),
    JSON.stringify({ approval_id: target, channel: null }),
    `${metadata.slice(0, -4)}AAAA`,
    metadata.replace(/^gl1:[^:]+:/, 'gl1:ffffffff:'),
    `gl1:${target}`,
    '',
  ]) {
    await submitAnswer(w, { secret: org.secret, privateMetadata: forged, slackUserId: org.alice.slackId, values: VALID }).expect(401);
  }
  expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });
  expect(await statusOf(w, target)).toMatchObject({ status: 'pending', votes: 0 });
});

it('a modal opened for one request decides only that one, by the person it was opened for', async () => {
  const org = await slackOrg(w);
  const bob = await org.seed.addUser('approver', `bob-${org.seed.org.slug}@example.test`);
  w.slack.addUser({ id: `UBOB${org.seed.org.id.slice(0, 8)}`, email: bob.email });
  const id = await pending(org);
  const metadata = await opened(org, id);
  // Bob (who may decide too) submits alice's modal: refused, nothing decided.
  const res = await submitAnswer(w, { secret: org.secret, privateMetadata: metadata, slackUserId: `UBOB${org.seed.org.id.slice(0, 8)}`, values: VALID }).expect(200);
  expect(res.body).toMatchObject({ response_action: 'errors', errors: { answer_amount: expect.stringMatching(/opened for someone else/) } });
  expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });
  // Alice's own submission decides it.
  await submitAnswer(w, { secret: org.secret, privateMetadata: metadata, slackUserId: org.alice.slackId, values: VALID }).expect(200);
  expect(await statusOf(w, id)).toMatchObject({ status: 'approved', decided_by: org.alice.id, votes: 1 });
  await settled(w, id);
});

it('a modal of another org\'s request, signed with this org\'s secret, is 401', async () => {
  const org = await slackOrg(w);
  const other = await slackOrg(w);
  const id = await pending(other);
  const metadata = await opened(other, id, other.alice.slackId);
  await submitAnswer(w, { secret: org.secret, privateMetadata: metadata, slackUserId: other.alice.slackId, values: VALID }).expect(401);
  expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });
});

it('who may not decide gets no modal: an unknown Slack user and a viewer are refused privately', async () => {
  const org = await slackOrg(w);
  const viewer = await org.seed.addUser('viewer', `viewer-${org.seed.org.slug}@example.test`);
  w.slack.addUser({ id: `UVIEW${org.seed.org.id.slice(0, 8)}`, email: viewer.email });
  const id = await pending(org);
  const before = w.slack.of('views.open').length;
  await click(w, { secret: org.secret, approvalId: id, slackUserId: 'UNOBODY', action: 'greenlight_approve' }).expect(200);
  await click(w, { secret: org.secret, approvalId: id, slackUserId: `UVIEW${org.seed.org.id.slice(0, 8)}`, action: 'greenlight_approve' }).expect(200);
  expect(w.slack.of('views.open').length).toBe(before);
  expect(w.slack.of('chat.postEphemeral', (c) => c.args.user === `UVIEW${org.seed.org.id.slice(0, 8)}` && /viewer/.test(String(c.args.text)))).toHaveLength(1);
  expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });
});

it('someone the rules do not ask (the step asks another) gets no modal, but the reason', async () => {
  const org = await slackOrg(w);
  const carol = await org.seed.addUser('approver', `carol-${org.seed.org.slug}@example.test`);
  const carolSlack = `UCAROL${org.seed.org.id.slice(0, 8)}`;
  w.slack.addUser({ id: carolSlack, email: carol.email });
  // One step, asking alice alone: carol is not asked.
  const id = await createRequest(w, org, { response_schema: SCHEMA });
  await w.slack.until(() => channelPost(w, id).length === 1);
  await settled(w, id);
  await w.server.http(org.seed.key).post(`/api/v1/approvals/${id}/steps`).send({ steps: [{ approver_id: org.alice.id, step_order: 1 }] }).expect(201);
  const before = w.slack.of('views.open').length;
  await click(w, { secret: org.secret, approvalId: id, slackUserId: carolSlack, action: 'greenlight_approve' }).expect(200);
  expect(w.slack.of('views.open').length).toBe(before);
  expect(w.slack.of('chat.postEphemeral', (c) => c.args.user === carolSlack && /^Nothing was decided: /.test(String(c.args.text)))).toHaveLength(1);
  expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });
});
