/**
 * What a Telegram update cannot do: without the org's secret header nothing is read (401); a replayed,
 * forged, foreign or someone else's button, an unlinked account, a viewer and a click under the
 * emergency stop decide nothing, each told to the clicker alone; link codes are single-use and short-lived.
 */
import { describe, expect, it } from 'vitest';
import { buttonData, callbackQuery, createRequest, lastAnswer, linkedPerson, messagesTo, postUpdate, startMessage, statusOf, telegramOrg, useTelegramWorld, type TelegramWorld } from '../../testing/telegram-world.ts';

let w: TelegramWorld;
useTelegramWorld((world) => (w = world));

const answers = () => w.telegram.of('answerCallbackQuery').length;

describe('Telegram webhook security', () => {
  it('a missing, wrong or other org\'s secret, or an unknown org, is 401 and reads nothing', async () => {
    const org = await telegramOrg(w);
    const other = await telegramOrg(w);
    const update = startMessage(1, '/start whatever');
    const before = w.telegram.calls.length;
    await postUpdate(w, org, update, null).expect(401);
    await postUpdate(w, org, update, 'wrong').expect(401);
    await postUpdate(w, org, update, `${org.secret}x`).expect(401);
    await postUpdate(w, org, update, other.secret).expect(401);
    await postUpdate(w, { ...org, webhookPath: '/channels/telegram/00000000-0000-4000-8000-000000000000/webhook' }, update).expect(401);
    await postUpdate(w, { ...org, webhookPath: '/channels/telegram/not-a-uuid/webhook' }, update).expect(401);
    expect(w.telegram.calls.length).toBe(before);
    // Turned off: its secret no longer opens anything.
    await org.admin.http().delete('/api/v1/org/telegram').expect(200);
    await postUpdate(w, org, update).expect(401);
  });

  it('a replayed click decides nothing more', async () => {
    const org = await telegramOrg(w);
    const alice = await linkedPerson(w, org);
    const id = await createRequest(w, org, { required_approvals: 2 });
    await w.telegram.until(() => messagesTo(w, alice.tgId, id).length === 1);
    const approve = buttonData(messagesTo(w, alice.tgId, id)[0]!, /Approve/);
    await postUpdate(w, org, callbackQuery(alice.tgId, approve)).expect(200);
    expect(lastAnswer(w)).toMatch(/recorded/);
    await postUpdate(w, org, callbackQuery(alice.tgId, approve)).expect(200);
    expect(lastAnswer(w)).toMatch(/already used/);
    expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 1 });
  });

  it('an unlinked account, another person, another org, a forged button and a viewer decide nothing', async () => {
    const org = await telegramOrg(w);
    const other = await telegramOrg(w);
    const alice = await linkedPerson(w, org);
    const bob = await linkedPerson(w, org);
    const mallory = await linkedPerson(w, other);
    const id = await createRequest(w, org);
    await w.telegram.until(() => messagesTo(w, alice.tgId, id).length === 1);
    const approve = buttonData(messagesTo(w, alice.tgId, id)[0]!, /Approve/);

    const click = async (who: number, data: string, o = org) => {
      const n = answers();
      await postUpdate(w, o, callbackQuery(who, data)).expect(200);
      expect(answers()).toBe(n + 1);
      return lastAnswer(w);
    };
    expect(await click(999_999_999, approve)).toMatch(/not linked/);
    expect(await click(bob.tgId, approve)).toMatch(/someone else/);
    expect(await click(mallory.tgId, approve, other)).toMatch(/not one Greenlight sent you/);
    expect(await click(alice.tgId, 'gl1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).toMatch(/not one Greenlight sent you/);
    expect(await click(alice.tgId, '')).toMatch(/not one Greenlight sent you/);
    // Each refusal is told only to the clicker: an answer to the callback, never a message in a chat.
    expect(w.telegram.of('sendMessage', (c) => /Nothing was decided/.test(String(c.args.text)))).toEqual([]);

    await w.server.db.query("UPDATE memberships SET role = 'viewer' WHERE org_id = $1 AND user_id = $2", [org.seed.org.id, alice.id]);
    expect(await click(alice.tgId, approve)).toMatch(/viewer/);
    expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });
  });

  it('under the emergency stop a click decides nothing, and the button works once the stop ends', async () => {
    const org = await telegramOrg(w);
    const alice = await linkedPerson(w, org);
    const id = await createRequest(w, org);
    await w.telegram.until(() => messagesTo(w, alice.tgId, id).length === 1);
    const approve = buttonData(messagesTo(w, alice.tgId, id)[0]!, /Approve/);
    await org.admin.http().patch('/api/v1/org').send({ emergency_stop: true }).expect(200);
    await postUpdate(w, org, callbackQuery(alice.tgId, approve)).expect(200);
    expect(lastAnswer(w)).toMatch(/Nothing was decided: .*emergency stop/);
    expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });
    await org.admin.http().patch('/api/v1/org').send({ emergency_stop: false }).expect(200);
    await postUpdate(w, org, callbackQuery(alice.tgId, approve)).expect(200);
    expect(await statusOf(w, id)).toMatchObject({ status: 'approved', votes: 1 });
  });

  it('a link code works once, only in a private chat, and not after it expires; only a session makes one', async () => {
    const org = await telegramOrg(w);
    const carol = await linkedPerson(w, org);
    const made = (await carol.session.http().post('/api/v1/me/telegram/code').expect(201)).body as { code: string; link: string };
    expect(made.link).toBe(`https://t.me/greenlight_test_bot?start=${made.code}`);
    const code = made.code;
    // A group chat is not the person's own chat: ignored.
    const group = startMessage(70_001, `/start ${code}`);
    (group.message.chat as { type: string }).type = 'group';
    await postUpdate(w, org, group).expect(200);
    await postUpdate(w, org, startMessage(70_001, `/start ${code}`)).expect(200);
    await postUpdate(w, org, startMessage(70_002, `/start ${code}`)).expect(200);
    expect(String(w.telegram.of('sendMessage', (c) => Number(c.args.chat_id) === 70_002).at(-1)!.args.text)).toMatch(/not valid/);
    const { rows } = await w.server.db.query<{ telegram_user_id: string }>('SELECT telegram_user_id FROM telegram_links WHERE org_id = $1 AND user_id = $2', [org.seed.org.id, carol.id]);
    expect(rows.map((r) => Number(r.telegram_user_id))).toEqual([70_001]);

    const late = ((await carol.session.http().post('/api/v1/me/telegram/code').expect(201)).body as { code: string }).code;
    await w.server.db.query("UPDATE telegram_link_codes SET expires_at = now() - interval '1 second' WHERE org_id = $1 AND used_at IS NULL", [org.seed.org.id]);
    await postUpdate(w, org, startMessage(70_003, `/start ${late}`)).expect(200);
    expect(String(w.telegram.of('sendMessage', (c) => Number(c.args.chat_id) === 70_003).at(-1)!.args.text)).toMatch(/not valid/);

    await w.server.http(org.seed.key).post('/api/v1/me/telegram/code').expect(403);
    await w.server.http(org.seed.key).put('/api/v1/org/telegram').send({ bot_token: '1:x' }).expect(403);
  });
});
