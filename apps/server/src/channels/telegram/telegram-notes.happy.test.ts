/**
 * Telegram tells a linked person more than the request: its reminder (the request again, with its
 * buttons, which still decide), a receipt of what the automation did with a request they approved, and
 * the daily digest of what waits for them. A server without mail: Telegram is the only channel here.
 * Against the Bot API stand-in; the server's own timer poll is off (harness), the test fires the timers.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fireDueTimers } from '../../jobs/timers.ts';
import { fireDigest } from '../../notify/digests.ts';
import {
  buttonData,
  callbackQuery,
  createRequest,
  lastAnswer,
  linkedPerson,
  postUpdate,
  settled,
  statusOf,
  telegramOrg,
  useTelegramWorld,
  type TelegramWorld,
} from '../../testing/telegram-world.ts';
import type { TelegramCall } from '../../testing/telegram.ts';

let w: TelegramWorld;
useTelegramWorld((world) => (w = world), { GREENLIGHT_DELIVERY_SCHEDULE: '0,100ms,100ms', GREENLIGHT_DELIVERY_SWEEP_MS: '100' });

const sentTo = (tgId: number, text: RegExp) => w.telegram.of('sendMessage', (c: TelegramCall) => Number(c.args.chat_id) === tgId && text.test(String(c.args.text)));

describe('Telegram beyond the request', () => {
  it('a reminder reaches the linked person the step waits for, with buttons that decide', async () => {
    expect(w.server.deps.config.mail).toBeNull();
    const org = await telegramOrg(w);
    const bob = await linkedPerson(w, org);
    const carol = await linkedPerson(w, org);
    await org.admin.http().patch('/api/v1/org/notification-defaults').send({ reminder_policy: { remind: { after: '1s' } } }).expect(200);
    const flow = await org.admin
      .http()
      .post('/api/v1/flows')
      .send({ name: 'Deploy', steps: [{ approvers: { user_ids: [bob.id] } }] })
      .expect(201);
    const id = await createRequest(w, org, { title: 'Ship the release', flow_id: flow.body.id });
    await w.telegram.until(() => sentTo(bob.tgId, /Ship the release/).length === 1);

    const start = Date.now();
    while (Date.now() - start < 15_000) {
      if ((await fireDueTimers({ db: w.server.db, notify: false })) > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await w.telegram.until(() => sentTo(bob.tgId, /^⏰ Reminder: "Ship the release" still waits/).length === 1);
    await settled(w, id);
    // Carol was never asked: no message, no reminder.
    expect(sentTo(carol.tgId, /Ship the release/)).toHaveLength(0);

    const reminder = sentTo(bob.tgId, /^⏰ Reminder/)[0]!;
    await postUpdate(w, org, callbackQuery(bob.tgId, buttonData(reminder, /Approve/))).expect(200);
    expect(lastAnswer(w)).toBe('Approved.');
    expect(await statusOf(w, id)).toMatchObject({ status: 'approved', votes: 1 });
    // Both messages of the request (the first and the reminder) are edited with the outcome.
    await w.telegram.until(() => w.telegram.of('editMessageText', (c) => Number(c.args.chat_id) === bob.tgId && /Approved by/.test(String(c.args.text))).length === 2);
  });

  it('a receipt reaches the linked person who approved, once per receipt, with what it said', async () => {
    const org = await telegramOrg(w);
    const alice = await linkedPerson(w, org);
    const id = await createRequest(w, org, { title: 'Pay invoice 42' });
    await w.telegram.until(() => sentTo(alice.tgId, /Pay invoice 42/).length === 1);
    await alice.session.http().patch(`/api/v1/approvals/${id}`).send({ decision: 'approve' }).expect(200);
    await w.server.http(org.seed.key).post(`/api/v1/approvals/${id}/execution`).send({ status: 'succeeded', message: 'Paid <b>42 EUR</b>', url: 'https://bank.example/tx/1' }).expect(200);
    await w.telegram.until(() => sentTo(alice.tgId, /Execution succeeded/).length === 1);
    const text = String(sentTo(alice.tgId, /Execution succeeded/)[0]!.args.text);
    expect(text).toContain('Pay invoice 42');
    expect(text).toContain('Paid <b>42 EUR</b>');
    expect(text).toContain('Link: https://bank.example/tx/1');
    expect(text).toContain(`/requests/${id}`);
    await settled(w, id);
    expect(sentTo(alice.tgId, /Execution succeeded/)).toHaveLength(1);
  });

  it('the daily digest lists what waits for the linked person, by Telegram', async () => {
    const org = await telegramOrg(w);
    const dana = await linkedPerson(w, org);
    const first = await createRequest(w, org, { title: 'Rotate the signing key' });
    const second = await createRequest(w, org, { title: 'Drop the old table' });
    await w.telegram.until(() => sentTo(dana.tgId, /Rotate the signing key|Drop the old table/).length === 2);
    await w.server.db.transaction((tx) => fireDigest(tx, { id: randomUUID(), org_id: org.seed.org.id, user_id: dana.id }));
    await w.telegram.until(() => sentTo(dana.tgId, /requests wait for you/).length === 1);
    const text = String(sentTo(dana.tgId, /requests wait for you/)[0]!.args.text);
    expect(text).toMatch(/^2 requests wait for you in /);
    expect(text).toContain(`Rotate the signing key ${w.server.deps.config.publicUrl}/requests/${first}`);
    expect(text).toContain(`/requests/${first}`);
    expect(text).toContain(`/requests/${second}`);
  });
});
