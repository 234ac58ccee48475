/**
 * Telegram when things go wrong: an update that is not JSON or not an update is a 400 (after the
 * secret is checked); a token Telegram refuses is a 400 and nothing is stored; a Bot API that is down
 * has its messages retried by the outbox until it is back, none lost.
 */
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { buttonData, callbackQuery, createRequest, lastAnswer, linkedPerson, messagesTo, postUpdate, settled, statusOf, telegramOrg, useTelegramWorld, TELEGRAM_BOT_TOKEN, type TelegramWorld } from '../../testing/telegram-world.ts';

let w: TelegramWorld;
useTelegramWorld((world) => (w = world), { GREENLIGHT_DELIVERY_SWEEP_MS: '100', GREENLIGHT_DELIVERY_SCHEDULE: '0,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms' });

describe('Telegram errors', () => {
  it('a body that is not JSON, or not an update, is a 400 in the error envelope; without the secret, a 401 first', async () => {
    const org = await telegramOrg(w);
    const post = (body: string, secret: string | null = org.secret) => {
      const t = supertest(w.server.url).post(org.webhookPath).set('content-type', 'application/json');
      return (secret ? t.set('X-Telegram-Bot-Api-Secret-Token', secret) : t).send(body);
    };
    const bad = await post('{"update_id": 1,').expect(400);
    expect(bad.body).toMatchObject({ error: { code: 'VALIDATION_ERROR' } });
    await post('{"message": {"chat": "x"}}').expect(400);
    await post(JSON.stringify({ update_id: 1, callback_query: { id: 'q', from: { id: 1, is_bot: false }, data: 'x'.repeat(65) } })).expect(400);
    await post('{"update_id": 1,', null).expect(401);
    // An update of a kind Greenlight does not use is acknowledged, so Telegram does not post it again.
    await post(JSON.stringify({ update_id: 2, edited_message: { text: 'hi' } })).expect(200);
  });

  it('a bot token Telegram refuses is a 400 and nothing is stored', async () => {
    const org = await telegramOrg(w);
    await org.admin.http().delete('/api/v1/org/telegram').expect(200);
    w.telegram.fail('getMe', { code: 401, description: 'Unauthorized' });
    const res = await org.admin.http().put('/api/v1/org/telegram').send({ bot_token: TELEGRAM_BOT_TOKEN }).expect(400);
    expect(res.body).toMatchObject({ error: { code: 'VALIDATION_ERROR', details: { location: 'body', issues: [{ path: 'bot_token', code: 'refused' }] } } });
    expect((await org.admin.http().get('/api/v1/org/telegram').expect(200)).body).toMatchObject({ configured: false });
    await org.admin.http().put('/api/v1/org/telegram').send({ bot_token: 'not a token' }).expect(400);
  });

  it('with the Bot API down, messages and edits are retried until it is back; none is lost', async () => {
    const org = await telegramOrg(w);
    const people = [await linkedPerson(w, org), await linkedPerson(w, org), await linkedPerson(w, org)];
    w.telegram.setDown(true);
    const id = await createRequest(w, org);
    // Each person's message is attempted and fails at least twice while Telegram is down.
    await w.telegram.until(() => people.every((p) => w.telegram.of('sendMessage', (c) => Number(c.args.chat_id) === p.tgId && String(c.args.text).includes(id)).length >= 2));
    const { rows: waiting } = await w.server.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM deliveries WHERE approval_id = $1 AND channel = 'telegram' AND status IN ('pending', 'delivering')",
      [id],
    );
    expect(waiting[0]!.n).toBe(3);
    w.telegram.setDown(false);
    await settled(w, id);
    const { rows } = await w.server.db.query<{ status: string; n: number }>("SELECT status, count(*)::int AS n FROM deliveries WHERE approval_id = $1 AND channel = 'telegram' GROUP BY status", [id]);
    expect(rows).toEqual([{ status: 'delivered', n: 3 }]);
    const { rows: sent } = await w.server.db.query<{ n: number }>("SELECT count(*)::int AS n FROM sent_messages WHERE approval_id = $1 AND channel = 'telegram'", [id]);
    expect(sent[0]!.n).toBe(3);

    // The decision's edits too: down while they are due, sent once Telegram is back.
    w.telegram.setDown(true);
    const first = people[0]!;
    const okMessage = w.telegram.of('sendMessage', (c) => Number(c.args.chat_id) === first.tgId && String(c.args.text).includes(id) && c.args.reply_markup !== undefined).at(-1)!;
    // The click arrives from Telegram even while its API answers 502 to us: the decision stands (the answer to the click is tried once, not retried).
    await postUpdate(w, org, callbackQuery(first.tgId, buttonData(okMessage, /Approve/))).expect(200);
    expect(await statusOf(w, id)).toMatchObject({ status: 'approved', votes: 1 });
    await w.telegram.until(() => w.telegram.of('editMessageText').filter((c) => people.some((p) => Number(c.args.chat_id) === p.tgId)).length >= 3);
    w.telegram.setDown(false);
    await settled(w, id);
    const { rows: updates } = await w.server.db.query<{ status: string; n: number }>(
      "SELECT status, count(*)::int AS n FROM deliveries WHERE approval_id = $1 AND channel = 'telegram' AND kind = 'decision_update' GROUP BY status",
      [id],
    );
    expect(updates).toEqual([{ status: 'delivered', n: 3 }]);
    expect(messagesTo(w, first.tgId, id).length).toBeGreaterThanOrEqual(1);
    expect(lastAnswer(w)).toBe('Approved.');
  });
});
