/**
 * Answers in Slack refused: a submission the request's schema or editable fields refuse is answered
 * with Slack's `response_action: errors`, each reason under its input, and nothing is decided; a
 * one-tap approve (the comment modal's Approve, an old grant button) of a request that needs an
 * answer is refused and decides nothing.
 */
import { expect, it } from 'vitest';
import { answerView, channelPost, click, createRequest, settled, slackOrg, statusOf, submitAnswer, submitModal, useSlackWorld, type InputValue, type SlackOrg, type SlackWorld } from '../../testing/slack-world.ts';

let w: SlackWorld;
useSlackWorld((world) => (w = world));

const SCHEMA = {
  type: 'object',
  properties: { amount: { type: 'number', minimum: 0, maximum: 500 }, region: { type: 'string', enum: ['eu', 'us'] } },
  required: ['amount', 'region'],
};

async function openedFor(org: SlackOrg, body: Record<string, unknown>): Promise<{ id: string; metadata: string }> {
  const id = await createRequest(w, org, body);
  await w.slack.until(() => channelPost(w, id).length === 1);
  await settled(w, id);
  await click(w, { secret: org.secret, approvalId: id, slackUserId: org.alice.slackId, action: 'greenlight_approve' }).expect(200);
  return { id, metadata: answerView(w).view.private_metadata };
}

it.each<[string, Record<string, InputValue>, Record<string, RegExp>]>([
  ['an amount above the maximum', { answer_amount: { type: 'number_input', value: '900' }, answer_region: { type: 'static_select', selected_option: { value: '0' } } }, { answer_amount: /500/ }],
  ['a required field left empty', { answer_amount: { type: 'number_input', value: null }, answer_region: { type: 'static_select', selected_option: { value: '0' } } }, { answer_amount: /required/ }],
  ['two fields wrong at once', { answer_amount: { type: 'number_input', value: '-1' }, answer_region: { type: 'static_select', selected_option: null } }, { answer_amount: /0/, answer_region: /required/ }],
  ['a number that is not one', { answer_amount: { type: 'number_input', value: 'lots' }, answer_region: { type: 'static_select', selected_option: { value: '1' } } }, { answer_amount: /number/ }],
])('%s: response_action errors under the input, still pending', async (_name, values, expected) => {
  const org = await slackOrg(w);
  const { id, metadata } = await openedFor(org, { response_schema: SCHEMA });
  const res = await submitAnswer(w, { secret: org.secret, privateMetadata: metadata, slackUserId: org.alice.slackId, values }).expect(200);
  expect(res.body.response_action).toBe('errors');
  expect(Object.keys(res.body.errors).sort()).toEqual(Object.keys(expected).sort());
  for (const [block, reason] of Object.entries(expected)) expect(res.body.errors[block]).toMatch(reason);
  expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });
});

it('an edit that changes a value\'s type is refused under its input; nothing decided', async () => {
  const org = await slackOrg(w);
  const { id, metadata } = await openedFor(org, { editable: ['metadata.args'], metadata: { args: { q: 'x' } } });
  const res = await submitAnswer(w, {
    secret: org.secret,
    privateMetadata: metadata,
    slackUserId: org.alice.slackId,
    values: { edit_0: { type: 'plain_text_input', value: 'not json' } },
  }).expect(200);
  expect(res.body).toMatchObject({ response_action: 'errors', errors: { edit_0: expect.stringMatching(/object/) } });
  expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });
});

it('the comment modal\'s Approve and an old "approve for an hour" button decide nothing on a request that needs an answer; Reject stays one tap', async () => {
  const org = await slackOrg(w);
  const id = await createRequest(w, org, { response_schema: SCHEMA });
  await w.slack.until(() => channelPost(w, id).length === 1);
  await settled(w, id);
  const modal = await submitModal(w, { secret: org.secret, approvalId: id, slackUserId: org.alice.slackId, decision: 'approve' }).expect(200);
  expect(modal.body).toMatchObject({ response_action: 'errors', errors: { decision: expect.stringMatching(/asks for an answer/) } });
  await click(w, { secret: org.secret, approvalId: id, slackUserId: org.alice.slackId, action: 'greenlight_approve_grant' }).expect(200);
  await w.slack.until(() => w.slack.of('chat.postEphemeral', (c) => c.args.user === org.alice.slackId && /asks for an answer/.test(String(c.args.text))).length === 1);
  expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });

  await click(w, { secret: org.secret, approvalId: id, slackUserId: org.alice.slackId, action: 'greenlight_reject' }).expect(200);
  expect(await statusOf(w, id)).toMatchObject({ status: 'rejected', votes: 1 });
  await settled(w, id);
});

it('a submission after the request was decided elsewhere decides nothing more and says so', async () => {
  const org = await slackOrg(w);
  const { id, metadata } = await openedFor(org, { response_schema: SCHEMA });
  const other = await org.seed.newKey();
  await w.server.http(other.key).patch(`/api/v1/approvals/${id}`).send({ decision: 'reject' }).expect(200);
  const res = await submitAnswer(w, {
    secret: org.secret,
    privateMetadata: metadata,
    slackUserId: org.alice.slackId,
    values: { answer_amount: { type: 'number_input', value: '10' }, answer_region: { type: 'static_select', selected_option: { value: '0' } } },
  }).expect(200);
  expect(res.body).toMatchObject({ response_action: 'errors', errors: { answer_amount: expect.stringMatching(/Nothing was decided/) } });
  expect(await statusOf(w, id)).toMatchObject({ status: 'rejected', votes: 1 });
  await settled(w, id);
});
