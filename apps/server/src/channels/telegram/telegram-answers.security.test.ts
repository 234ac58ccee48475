/**
 * Telegram cannot render a form: a request that needs an answer (or may be edited) comes without a
 * one-tap Approve, saying so and linking to its page; Reject stays one tap. An approve button for it
 * anyway (an old one, or one planted in the store as a correctly made token) is refused with Telegram's
 * usual answer to the clicker, and decides nothing.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buttonData, callbackQuery, createRequest, lastAnswer, linkedPerson, messagesTo, postUpdate, settled, statusOf, telegramOrg, useTelegramWorld, type TelegramWorld } from '../../testing/telegram-world.ts';

let w: TelegramWorld;
useTelegramWorld((world) => (w = world));

const SCHEMA = { type: 'object', properties: { amount: { type: 'number' } }, required: ['amount'] };
const buttonsOf = (c: { args: Record<string, unknown> }) => (c.args.reply_markup as { inline_keyboard: { text: string }[][] } | undefined)?.inline_keyboard.flat().map((b) => b.text) ?? [];

/** An approve button as Greenlight stores its own (only the token's SHA-256), for a request and a person. */
async function plantedApprove(approvalId: string, orgId: string, userId: string): Promise<string> {
  const token = `gl1:${randomBytes(24).toString('base64url')}`;
  await w.server.db.query(`INSERT INTO telegram_buttons (token_hash, org_id, approval_id, user_id, decision) VALUES ($1, $2, $3, $4, 'approve')`, [
    createHash('sha256').update(token).digest('hex'),
    orgId,
    approvalId,
    userId,
  ]);
  return token;
}

describe('Telegram: requests that need an answer', () => {
  it.each([
    ['a response_schema its defaults do not answer', { response_schema: SCHEMA }, 'This request asks for an answer: open it to approve.'],
    ['editable fields', { editable: ['metadata.query'], metadata: { query: 'SELECT 1' } }, 'This request may be edited before it is approved: open it to approve.'],
  ])('%s: no one-tap Approve; the message says so and links to the page; a forced approve is refused, Reject works', async (_name, body, line) => {
    const org = await telegramOrg(w);
    const alice = await linkedPerson(w, org);
    const id = await createRequest(w, org, body);
    await w.telegram.until(() => messagesTo(w, alice.tgId, id).length === 1);
    await settled(w, id);
    const sent = messagesTo(w, alice.tgId, id)[0]!;
    expect(buttonsOf(sent)).toEqual(['❌ Reject']);
    const text = String(sent.args.text);
    expect(text).toContain(line);
    expect(text).toMatch(new RegExp(`${line.replace(/[.:]/g, '\\$&')}\nOpen in Greenlight: \\S+/requests/${id}$`));

    const forced = await plantedApprove(id, org.seed.org.id, alice.id);
    await postUpdate(w, org, callbackQuery(alice.tgId, forced)).expect(200);
    expect(lastAnswer(w)).toMatch(/^Nothing was decided: this request asks for an answer/);
    expect(lastAnswer(w)).toContain(`/requests/${id}`);
    expect(lastAnswer(w).length).toBeLessThanOrEqual(200);
    expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });

    await postUpdate(w, org, callbackQuery(alice.tgId, buttonData(sent, /Reject/))).expect(200);
    expect(await statusOf(w, id)).toMatchObject({ status: 'rejected', votes: 1 });
    await settled(w, id);
  });

  it('a schema its defaults answer keeps the one-tap Approve, which approves with the defaults', async () => {
    const org = await telegramOrg(w);
    const alice = await linkedPerson(w, org);
    const id = await createRequest(w, org, { response_schema: { type: 'object', properties: { region: { type: 'string', enum: ['eu', 'us'], default: 'eu' } } } });
    await w.telegram.until(() => messagesTo(w, alice.tgId, id).length === 1);
    const sent = messagesTo(w, alice.tgId, id)[0]!;
    expect(buttonsOf(sent)).toEqual(['✅ Approve', '❌ Reject']);
    await postUpdate(w, org, callbackQuery(alice.tgId, buttonData(sent, /Approve/))).expect(200);
    expect((await w.server.http(org.seed.key).get(`/api/v1/approvals/${id}`).expect(200)).body).toMatchObject({ status: 'approved', response: { region: 'eu' } });
    await settled(w, id);
  });
});
