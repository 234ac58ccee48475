/**
 * Telegram buttons on a request the org's step-up setting covers: a chat account is no passkey-confirmed
 * session, so a click decides nothing and answers with the request's page on the dashboard; a message
 * sent once the setting covers the request has no buttons, says why, and links to the page.
 */
import { describe, expect, it } from 'vitest';
import { buttonData, callbackQuery, createRequest, lastAnswer, linkedPerson, messagesTo, postUpdate, statusOf, telegramOrg, useTelegramWorld, type TelegramWorld } from '../../testing/telegram-world.ts';

let w: TelegramWorld;
useTelegramWorld((world) => (w = world));

describe('Telegram and the step-up setting', () => {
  it('a button pressed on a covered request decides nothing and links to the page; the same button decides once the request is not covered', async () => {
    const org = await telegramOrg(w);
    const alice = await linkedPerson(w, org);
    const id = await createRequest(w, org, { priority: 'high' });
    await w.telegram.until(() => messagesTo(w, alice.tgId, id).length === 1);
    const approve = buttonData(messagesTo(w, alice.tgId, id)[0]!, /Approve/);

    await org.admin.http().put('/api/v1/org/step-up').send({ priorities: ['high'], action_types: [] }).expect(200);
    await postUpdate(w, org, callbackQuery(alice.tgId, approve)).expect(200);
    const answer = lastAnswer(w);
    expect(answer).toMatch(/^Nothing was decided: this needs your passkey/);
    expect(answer).toContain(`${w.server.deps.config.publicUrl}/requests/${id}`);
    expect(answer.length).toBeLessThanOrEqual(200);
    expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });

    // Not spent: once the setting no longer covers the request, the same button decides.
    await org.admin.http().put('/api/v1/org/step-up').send({ priorities: [], action_types: [] }).expect(200);
    await postUpdate(w, org, callbackQuery(alice.tgId, approve)).expect(200);
    expect(await statusOf(w, id)).toMatchObject({ status: 'approved', votes: 1 });
  });

  it('a message about a covered request carries no buttons, the reason, and the link to the page; other priorities keep theirs', async () => {
    const org = await telegramOrg(w);
    const alice = await linkedPerson(w, org);
    await org.admin.http().put('/api/v1/org/step-up').send({ priorities: [], action_types: ['payments.*'] }).expect(200);
    const covered = await createRequest(w, org, { action_type: 'payments.refund' });
    const plain = await createRequest(w, org, { action_type: 'reads.list' });
    await w.telegram.until(() => messagesTo(w, alice.tgId, covered).length === 1 && messagesTo(w, alice.tgId, plain).length === 1);
    const m = messagesTo(w, alice.tgId, covered)[0]!;
    expect(m.args.reply_markup).toBeUndefined();
    expect(String(m.args.text)).toContain('Confirm with your passkey');
    expect(String(m.args.text)).toContain(`/requests/${covered}`);
    expect(messagesTo(w, alice.tgId, plain)[0]!.args.reply_markup).toBeDefined();
  });
});
