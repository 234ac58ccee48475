/**
 * Answers in Slack: Approve on a request that asks for an answer opens a modal (views.open, the
 * click's trigger_id) rendered from the request's response_schema and editable fields; its signed
 * submission approves with the answer and the edits, the callback carries them (Standard Webhooks,
 * verified), and every message of the request is rewritten with the outcome.
 */
import { afterAll, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { WebhookPayload } from '@greenlight/contract';
import { answerView, blocksOf, channelPost, click, createRequest, settled, slackOrg, statusOf, submitAnswer, useSlackWorld, type SlackWorld } from '../../testing/slack-world.ts';
import { receiverPool } from '../../testing/receiver.ts';
import { viewProblems } from '../../testing/slack.ts';

let w: SlackWorld;
useSlackWorld((world) => (w = world), { GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8' });
const { receiver, closeReceivers } = receiverPool();
afterAll(() => closeReceivers());

const SCHEMA = {
  type: 'object',
  description: 'What to refund',
  properties: {
    amount: { type: 'number', title: 'Refund amount', description: 'In euros', minimum: 0, maximum: 500 },
    region: { type: 'string', enum: ['eu', 'us'], default: 'eu' },
    notify: { type: 'boolean', title: 'Tell the customer' },
    channels: { type: 'array', items: { type: 'string', enum: ['email', 'sms', 'push'] }, maxItems: 2, default: ['email'] },
    reason: { type: 'string', maxLength: 2000 },
    count: { type: 'integer', minimum: 1 },
  },
  required: ['amount'],
};

it('Approve opens the answer modal: one input per field (labels, hints, optional flags, defaults) and per editable field, pre-filled', async () => {
  const org = await slackOrg(w);
  const id = await createRequest(w, org, { response_schema: SCHEMA, editable: ['metadata.query', 'metadata.limit'], metadata: { query: 'SELECT 1', limit: 10 } });
  await w.slack.until(() => channelPost(w, id).length === 1);
  await settled(w, id);

  // The message says Approve opens a form, and offers no standing grant with it.
  const post = channelPost(w, id)[0]!;
  const actions = blocksOf(post, 'actions')[0] as { elements: { action_id: string; text: { text: string } }[] };
  expect(actions.elements.map((e) => e.action_id)).toEqual(['greenlight_approve', 'greenlight_reject', 'greenlight_comment', 'greenlight_open']);
  expect(actions.elements[0]!.text.text).toBe('Approve…');
  expect(JSON.stringify(post.args.blocks)).toContain('This request asks for an answer: Approve opens its form.');

  await click(w, { secret: org.secret, approvalId: id, slackUserId: org.alice.slackId, action: 'greenlight_approve' }).expect(200);
  // Nothing is decided by the click itself.
  expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });
  const opened = answerView(w);
  expect(opened.trigger_id).toBe('1234.5678.abcdef');
  const view = opened.view;
  // Slack would accept it: within Block Kit's limits (the stand-in refuses a view that is not).
  expect(viewProblems(view)).toEqual([]);
  expect(w.slack.of('chat.postEphemeral', (c) => /could not open/.test(String(c.args.text)))).toEqual([]);
  expect(view).toMatchObject({ type: 'modal', callback_id: 'greenlight_answer', title: { text: 'Approve' }, submit: { text: 'Approve' } });
  // The metadata is sealed: it does not show the request it binds.
  expect(view.private_metadata).toMatch(/^gl1:/);
  expect(view.private_metadata).not.toContain(id);

  const inputs = Object.fromEntries(view.blocks.filter((b) => b.type === 'input').map((b) => [b.block_id as string, b]));
  // The fields in the order the schema was written, then the editable ones, then the comment.
  expect(Object.keys(inputs)).toEqual(['answer_amount', 'answer_region', 'answer_notify', 'answer_channels', 'answer_reason', 'answer_count', 'edit_0', 'edit_1', 'comment']);
  expect(inputs.answer_amount).toMatchObject({
    optional: false,
    label: { text: 'Refund amount' },
    hint: { text: 'In euros' },
    element: { type: 'number_input', action_id: 'value', is_decimal_allowed: true, min_value: '0', max_value: '500' },
  });
  expect(inputs.answer_region).toMatchObject({
    optional: true,
    label: { text: 'region' },
    element: { type: 'static_select', options: [{ text: { text: 'eu' }, value: '0' }, { text: { text: 'us' }, value: '1' }], initial_option: { value: '0' } },
  });
  expect(inputs.answer_notify).toMatchObject({ optional: true, label: { text: 'Tell the customer' }, element: { type: 'checkboxes', options: [{ value: 'true' }] } });
  expect(inputs.answer_notify!.element).not.toHaveProperty('initial_options');
  expect(inputs.answer_channels).toMatchObject({ element: { type: 'multi_static_select', initial_options: [{ value: '0' }], max_selected_items: 2 } });
  expect(inputs.answer_reason).toMatchObject({ optional: true, element: { type: 'plain_text_input', multiline: true, max_length: 2000 } });
  expect(inputs.answer_count).toMatchObject({ element: { type: 'number_input', is_decimal_allowed: false, min_value: '1' } });
  expect(inputs.edit_0).toMatchObject({ label: { text: 'metadata.query' }, element: { type: 'plain_text_input', initial_value: 'SELECT 1' } });
  expect(inputs.edit_1).toMatchObject({ label: { text: 'metadata.limit' }, element: { type: 'number_input', initial_value: '10' } });
  expect(inputs.comment).toMatchObject({ optional: true, element: { type: 'plain_text_input', multiline: true } });
});

it('a signed submission with valid values approves with the answer and the edits; the callback carries them; the messages show the outcome', async () => {
  const org = await slackOrg(w);
  const r = await receiver();
  const secret = (await w.server.http(org.seed.key).get('/api/v1/callback-secret').expect(200)).body.secret as string;
  const id = await createRequest(w, org, {
    response_schema: SCHEMA,
    editable: ['metadata.query', 'metadata.limit'],
    metadata: { query: 'SELECT 1', limit: 10 },
    callback_url: `${r.url}/answered`,
  });
  await w.slack.until(() => channelPost(w, id).length === 1);
  await settled(w, id);
  await click(w, { secret: org.secret, approvalId: id, slackUserId: org.alice.slackId, action: 'greenlight_approve' }).expect(200);
  const { view } = answerView(w);

  const res = await submitAnswer(w, {
    secret: org.secret,
    privateMetadata: view.private_metadata,
    slackUserId: org.alice.slackId,
    values: {
      answer_amount: { type: 'number_input', value: '120.5' },
      answer_region: { type: 'static_select', selected_option: { value: '1' } },
      answer_notify: { type: 'checkboxes', selected_options: [{ value: 'true' }] },
      answer_channels: { type: 'multi_static_select', selected_options: [{ value: '1' }, { value: '2' }] },
      answer_reason: { type: 'plain_text_input', value: null },
      answer_count: { type: 'number_input', value: null },
      edit_0: { type: 'plain_text_input', value: 'SELECT 2' },
      edit_1: { type: 'number_input', value: '10' },
      comment: { type: 'plain_text_input', value: 'refund it' },
    },
  }).expect(200);
  // An empty answer closes the modal (Slack's documented acknowledgement).
  expect(res.text).toBe('');

  expect(await statusOf(w, id)).toMatchObject({ status: 'approved', decided_by: org.alice.id, votes: 1 });
  const approval = (await w.server.http(org.seed.key).get(`/api/v1/approvals/${id}`).expect(200)).body;
  const response = { amount: 120.5, region: 'us', notify: true, channels: ['sms', 'push'] };
  expect(approval.response).toEqual(response);
  // The unchanged limit is no edit.
  expect(approval.edits).toEqual([{ path: 'metadata.query', before: 'SELECT 1', after: 'SELECT 2' }]);
  expect(approval.approved_content).toMatchObject({ metadata: { query: 'SELECT 2', limit: 10 } });
  expect(approval.decision_comment).toBe('refund it');
  const events = (await w.server.http(org.seed.key).get(`/api/v1/approvals/${id}/events`).expect(200)).body as { data: { type: string; data: { source?: string } }[] };
  expect(events.data.find((e) => e.type === 'approval.approved')!.data.source).toBe('slack');

  await r.until(() => r.received.some((x) => x.path === '/answered'));
  const delivered = r.received.find((x) => x.path === '/answered')!;
  const body = WebhookPayload.parse(new Webhook(secret).verify(delivered.body, delivered.headers as Record<string, string>));
  expect(body).toMatchObject({ type: 'approval.approved', data: { approval: { id, status: 'approved', response, edits: [{ path: 'metadata.query', after: 'SELECT 2' }] } } });

  const { rows } = await w.server.db.query<{ channel: string; ts: string }>(`SELECT address ->> 'channel' AS channel, address ->> 'ts' AS ts FROM sent_messages WHERE approval_id = $1`, [id]);
  expect(rows.length).toBe(2);
  await w.slack.until(() => rows.every((m) => w.slack.of('chat.update', (c) => c.args.channel === m.channel && c.args.ts === m.ts).length === 1));
  for (const m of rows) {
    const blocks = JSON.stringify(w.slack.of('chat.update', (c) => c.args.ts === m.ts)[0]!.args.blocks);
    expect(blocks).toContain('Approved');
    expect(blocks).not.toContain('greenlight_approve');
  }
  await settled(w, id);
});

it('a schema its defaults answer: the modal opens pre-filled, and submitting it untouched approves with the defaults', async () => {
  const org = await slackOrg(w);
  const id = await createRequest(w, org, { response_schema: { type: 'object', properties: { region: { type: 'string', enum: ['eu', 'us'], default: 'us' } } } });
  await w.slack.until(() => channelPost(w, id).length === 1);
  await click(w, { secret: org.secret, approvalId: id, slackUserId: org.alice.slackId, action: 'greenlight_approve' }).expect(200);
  const { view } = answerView(w);
  expect(view.blocks.find((b) => b.block_id === 'answer_region')).toMatchObject({ element: { initial_option: { value: '1' } } });
  await submitAnswer(w, {
    secret: org.secret,
    privateMetadata: view.private_metadata,
    slackUserId: org.alice.slackId,
    values: { answer_region: { type: 'static_select', selected_option: { value: '1' } }, comment: { type: 'plain_text_input', value: null } },
  }).expect(200);
  expect((await w.server.http(org.seed.key).get(`/api/v1/approvals/${id}`).expect(200)).body).toMatchObject({ status: 'approved', response: { region: 'us' }, edits: [] });
  await settled(w, id);
});

it('a request that asks nothing is approved by one click, as before', async () => {
  const org = await slackOrg(w);
  const id = await createRequest(w, org);
  await w.slack.until(() => channelPost(w, id).length === 1);
  const opened = w.slack.of('views.open').length;
  await click(w, { secret: org.secret, approvalId: id, slackUserId: org.alice.slackId, action: 'greenlight_approve' }).expect(200);
  expect(await statusOf(w, id)).toMatchObject({ status: 'approved', votes: 1 });
  expect(w.slack.of('views.open').length).toBe(opened);
  await settled(w, id);
});
