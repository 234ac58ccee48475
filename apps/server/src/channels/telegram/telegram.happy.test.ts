/**
 * Telegram against a local stand-in of the Bot API: connecting sets the webhook with a secret; a member
 * links by /start <code>; a linked person asked gets the request with Approve / Reject; a click decides
 * once (source `telegram`) and is answered to the clicker; a decision made anywhere edits every message.
 */
import { describe, expect, it } from 'vitest';
import {
  buttonData,
  callbackQuery,
  createRequest,
  lastAnswer,
  linkedPerson,
  messagesTo,
  postUpdate,
  settled,
  statusOf,
  telegramOrg,
  useTelegramWorld,
  TELEGRAM_BOT_TOKEN,
  type TelegramWorld,
} from '../../testing/telegram-world.ts';

let w: TelegramWorld;
useTelegramWorld((world) => (w = world));

const edited = (tgId: number, messageId: number) => w.telegram.of('editMessageText', (c) => Number(c.args.chat_id) === tgId && Number(c.args.message_id) === messageId);

describe('Telegram', () => {
  it('connecting stores the bot and sets the webhook with a secret; the answer holds no secret', async () => {
    const org = await telegramOrg(w);
    const res = await org.admin.http().get('/api/v1/org/telegram').expect(200);
    expect(res.body).toMatchObject({ configured: true, bot_username: 'greenlight_test_bot', webhook_url: expect.stringContaining(org.webhookPath) });
    expect(JSON.stringify(res.body)).not.toContain(TELEGRAM_BOT_TOKEN);
    expect(JSON.stringify(res.body)).not.toContain(org.secret);
    expect(org.secret).toMatch(/^[A-Za-z0-9_-]{32,256}$/);
    const { rows } = await w.server.db.query<{ bot_token: string; webhook_secret: string }>('SELECT bot_token, webhook_secret FROM telegram_settings WHERE org_id = $1', [org.seed.org.id]);
    expect(rows[0]!.bot_token).not.toContain(TELEGRAM_BOT_TOKEN.split(':')[1]);
    expect(rows[0]!.webhook_secret).not.toContain(org.secret);
  });

  it('a linked approver gets the request with buttons; a click approves once and the message is edited', async () => {
    const org = await telegramOrg(w);
    const alice = await linkedPerson(w, org);
    expect((await alice.session.http().get('/api/v1/me/telegram').expect(200)).body).toMatchObject({ linked: true });
    expect(String(w.telegram.of('sendMessage', (c) => Number(c.args.chat_id) === alice.tgId).at(-1)!.args.text)).toMatch(/^Linked/);

    const id = await createRequest(w, org, { title: 'Rotate <b>keys</b>', description: 'Use *care* [x](http://evil.example)' });
    await w.telegram.until(() => messagesTo(w, alice.tgId, id).length === 1);
    await settled(w, id);
    const sent = messagesTo(w, alice.tgId, id)[0]!;
    expect(sent.token).toBe(TELEGRAM_BOT_TOKEN);
    expect(sent.args.parse_mode).toBeUndefined();
    expect(String(sent.args.text)).toContain('Rotate <b>keys</b>');
    expect(String(sent.args.text)).toContain('Priority: high');
    const approve = buttonData(sent, /Approve/);
    const reject = buttonData(sent, /Reject/);
    expect(Buffer.byteLength(approve)).toBeLessThanOrEqual(64);
    expect(approve).not.toContain(id);
    expect(approve).not.toBe(reject);

    await postUpdate(w, org, callbackQuery(alice.tgId, approve)).expect(200);
    expect(lastAnswer(w)).toBe('Approved.');
    expect(await statusOf(w, id)).toMatchObject({ status: 'approved', votes: 1 });
    const { rows } = await w.server.db.query<{ source: string }>('SELECT source FROM approval_votes WHERE approval_id = $1', [id]);
    expect(rows).toEqual([{ source: 'telegram' }]);

    const messageId = Number((await w.server.db.query<{ address: { message_id: number } }>("SELECT address FROM sent_messages WHERE approval_id = $1 AND channel = 'telegram'", [id])).rows[0]!.address.message_id);
    await w.telegram.until(() => edited(alice.tgId, messageId).length === 1);
    const edit = edited(alice.tgId, messageId)[0]!;
    expect(String(edit.args.text)).toMatch(/Approved by/);
    expect(edit.args.reply_markup).toBeUndefined();

    // The other button of the same message decides nothing more.
    await postUpdate(w, org, callbackQuery(alice.tgId, reject)).expect(200);
    expect(lastAnswer(w)).toMatch(/Nothing was decided/);
    expect(await statusOf(w, id)).toMatchObject({ status: 'approved', votes: 1 });
  });

  it('a decision made in the API edits every Telegram message of the request', async () => {
    const org = await telegramOrg(w);
    const alice = await linkedPerson(w, org);
    const bob = await linkedPerson(w, org);
    const id = await createRequest(w, org);
    await w.telegram.until(() => messagesTo(w, alice.tgId, id).length === 1 && messagesTo(w, bob.tgId, id).length === 1);
    await settled(w, id);
    await org.admin.http().patch(`/api/v1/approvals/${id}`).send({ decision: 'reject', comment: 'no' }).expect(200);
    const { rows } = await w.server.db.query<{ address: { chat_id: number; message_id: number } }>("SELECT address FROM sent_messages WHERE approval_id = $1 AND channel = 'telegram'", [id]);
    expect(rows).toHaveLength(2);
    await w.telegram.until(() => rows.every((r) => edited(r.address.chat_id, r.address.message_id).length === 1));
    for (const r of rows) expect(String(edited(r.address.chat_id, r.address.message_id)[0]!.args.text)).toMatch(/Rejected by/);
  });

  it('a member unlinks; their account then decides nothing; linking and unlinking are in the audit log, by the member', async () => {
    const org = await telegramOrg(w);
    const alice = await linkedPerson(w, org);
    const id = await createRequest(w, org);
    await w.telegram.until(() => messagesTo(w, alice.tgId, id).length === 1);
    await alice.session.http().delete('/api/v1/me/telegram').expect(200, { linked: false, telegram_username: null, linked_at: null });
    await postUpdate(w, org, callbackQuery(alice.tgId, buttonData(messagesTo(w, alice.tgId, id)[0]!, /Approve/))).expect(200);
    expect(lastAnswer(w)).toMatch(/not linked/);
    expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });
    // Unlinking again changes nothing and records nothing more.
    await alice.session.http().delete('/api/v1/me/telegram').expect(200);
    const log = await org.admin.http().get('/api/v1/audit-log').query({ page_size: 100 }).expect(200);
    const mine = (log.body.data as { type: string; actor: { id: string | null }; target: { id: string } | null; details: Record<string, unknown> }[])
      .filter((e) => e.type.startsWith('telegram.') && e.target?.id === alice.id)
      .map((e) => ({ type: e.type, actor: e.actor.id, username: e.details.telegram_username }));
    expect(mine.sort((a, b) => a.type.localeCompare(b.type))).toEqual([
      { type: 'telegram.linked', actor: alice.id, username: `user${alice.tgId}` },
      { type: 'telegram.unlinked', actor: alice.id, username: `user${alice.tgId}` },
    ]);
  });
});
