/**
 * Answers in Teams: a request that asks for an answer comes as a card with its form (Input.Number,
 * Input.ChoiceSet, Input.Toggle, Input.Text; editable fields pre-filled), in a person's chat and in the
 * channel. Approve (Action.Execute) sends the inputs with its token; the server checks them as any
 * answer: valid, the request is approved with the response and edits (source msteams); refused, the
 * clicker is told which field and why, nothing is decided, and the action can be used again. An
 * Approve without the form's inputs (an old card, a crafted action) is refused.
 */
import { describe, expect, it } from 'vitest';
import { actionToken, answerText, cardOf, cardsIn, createRequest, invoke, linkedPerson, msteamsOrg, postActivity, settled, statusOf, useMsTeamsWorld, type MsTeamsWorld } from '../../testing/msteams-world.ts';

let w: MsTeamsWorld;
useMsTeamsWorld((world) => (w = world));

const SCHEMA = {
  type: 'object',
  properties: {
    amount: { type: 'number', title: 'Refund amount', minimum: 0, maximum: 500 },
    region: { type: 'string', enum: ['eu', 'us'], default: 'eu' },
    notify: { type: 'boolean' },
    channels: { type: 'array', items: { type: 'string', enum: ['email', 'sms'] } },
  },
  required: ['amount'],
};
const BODY = { response_schema: SCHEMA, editable: ['metadata.query'], metadata: { query: 'SELECT 1' } };

describe('Teams: the form in the card', () => {
  it('the card shows one input per field and per editable field, pre-filled, in the person\'s chat and the channel', async () => {
    const org = await msteamsOrg(w, { channel: true });
    const alice = await linkedPerson(w, org);
    const id = await createRequest(w, org, BODY);
    await w.teams.until(() => cardsIn(w, alice.chatId, id).length === 1 && cardsIn(w, org.channelId!, id).length === 1);
    await settled(w, id);
    for (const sent of [cardsIn(w, alice.chatId, id)[0]!, cardsIn(w, org.channelId!, id)[0]!]) {
      const inputs = Object.fromEntries(cardOf(sent).body.filter((e) => String(e.type).startsWith('Input.')).map((e) => [e.id as string, e]));
      expect(Object.keys(inputs)).toEqual(['answer_amount', 'answer_region', 'answer_notify', 'answer_channels', 'edit_0', 'comment']);
      expect(inputs.answer_amount).toEqual({ type: 'Input.Number', id: 'answer_amount', min: 0, max: 500 });
      expect(inputs.answer_region).toMatchObject({ type: 'Input.ChoiceSet', choices: [{ title: 'eu', value: '0' }, { title: 'us', value: '1' }], value: '0' });
      expect(inputs.answer_notify).toMatchObject({ type: 'Input.Toggle', valueOn: 'true', valueOff: 'false', value: 'false' });
      expect(inputs.answer_channels).toMatchObject({ type: 'Input.ChoiceSet', isMultiSelect: true });
      expect(inputs.edit_0).toMatchObject({ type: 'Input.Text', value: 'SELECT 1' });
      expect(JSON.stringify(cardOf(sent).body)).toContain('Refund amount (required)');
      expect(cardOf(sent).actions!.map((a) => a.title)).toEqual(['Approve', 'Reject', 'Comment', 'Open in Greenlight']);
    }
  });

  it('Approve with valid inputs approves with the response and the edits', async () => {
    const org = await msteamsOrg(w);
    const alice = await linkedPerson(w, org);
    const id = await createRequest(w, org, BODY);
    await w.teams.until(() => cardsIn(w, alice.chatId, id).length === 1);
    await settled(w, id);
    const gl = actionToken(cardsIn(w, alice.chatId, id)[0]!, 'approve');
    const res = await postActivity(
      w,
      org,
      invoke(w, alice.teamsId, alice.chatId, { gl, answer_amount: '99.5', answer_region: '1', answer_notify: 'true', answer_channels: '0,1', edit_0: 'SELECT 2', comment: 'ok' }, 'approve'),
    );
    expect(answerText(res)).toBe('Approved.');
    const approval = (await w.server.http(org.seed.key).get(`/api/v1/approvals/${id}`).expect(200)).body;
    expect(approval).toMatchObject({
      status: 'approved',
      decided_by: alice.id,
      decision_comment: 'ok',
      response: { amount: 99.5, region: 'us', notify: true, channels: ['email', 'sms'] },
      edits: [{ path: 'metadata.query', before: 'SELECT 1', after: 'SELECT 2' }],
    });
    const events = (await w.server.http(org.seed.key).get(`/api/v1/approvals/${id}/events`).expect(200)).body as { data: { type: string; data: { source?: string } }[] };
    expect(events.data.find((e) => e.type === 'approval.approved')!.data.source).toBe('msteams');
    await settled(w, id);
  });

  it('an invalid answer is told to the clicker, field by field; nothing decided; the action works once corrected', async () => {
    const org = await msteamsOrg(w);
    const alice = await linkedPerson(w, org);
    const id = await createRequest(w, org, BODY);
    await w.teams.until(() => cardsIn(w, alice.chatId, id).length === 1);
    await settled(w, id);
    const gl = actionToken(cardsIn(w, alice.chatId, id)[0]!, 'approve');
    const bad = await postActivity(w, org, invoke(w, alice.teamsId, alice.chatId, { gl, answer_amount: '900', answer_region: '0', edit_0: 'SELECT 1' }, 'approve'));
    expect(answerText(bad)).toMatch(/^Nothing was decided: .*amount.*500/);
    const missing = await postActivity(w, org, invoke(w, alice.teamsId, alice.chatId, { gl, answer_amount: '', answer_region: '0' }, 'approve'));
    expect(answerText(missing)).toMatch(/^Nothing was decided: .*amount.*required/);
    expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });
    const good = await postActivity(w, org, invoke(w, alice.teamsId, alice.chatId, { gl, answer_amount: '1', answer_region: '0' }, 'approve'));
    expect(answerText(good)).toBe('Approved.');
    expect((await w.server.http(org.seed.key).get(`/api/v1/approvals/${id}`).expect(200)).body).toMatchObject({ status: 'approved', response: { amount: 1, region: 'eu', notify: false }, edits: [] });
    await settled(w, id);
  });

  it('an Approve without the form\'s inputs (an old card, a crafted action) is refused and decides nothing; Reject stays one click', async () => {
    const org = await msteamsOrg(w);
    const alice = await linkedPerson(w, org);
    const id = await createRequest(w, org, BODY);
    await w.teams.until(() => cardsIn(w, alice.chatId, id).length === 1);
    await settled(w, id);
    const sent = cardsIn(w, alice.chatId, id)[0]!;
    const res = await postActivity(w, org, invoke(w, alice.teamsId, alice.chatId, { gl: actionToken(sent, 'approve') }, 'approve'));
    expect(answerText(res)).toMatch(/^Nothing was decided: this request asks for an answer/);
    expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });
    const rejected = await postActivity(w, org, invoke(w, alice.teamsId, alice.chatId, { gl: actionToken(sent, 'reject') }, 'reject'));
    expect(answerText(rejected)).toBe('Rejected.');
    expect(await statusOf(w, id)).toMatchObject({ status: 'rejected', votes: 1 });
    await settled(w, id);
  });
});
