/**
 * Teams tells a linked person more than the request: its reminder (the request again, with its actions,
 * which still decide), a receipt of what the automation did with a request they approved, and the daily
 * digest of what waits for them. A server without mail: Teams is the only channel here. Against the
 * stand-in; the server's own timer poll is off (harness), the test fires the timers.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fireDueTimers } from '../../jobs/timers.ts';
import { fireDigest } from '../../notify/digests.ts';
import { actionToken, answerText, cardText, createRequest, invoke, linkedPerson, msteamsOrg, postActivity, settled, statusOf, useMsTeamsWorld, type MsTeamsWorld } from '../../testing/msteams-world.ts';

let w: MsTeamsWorld;
useMsTeamsWorld((world) => (w = world), { GREENLIGHT_DELIVERY_SCHEDULE: '0,100ms,100ms', GREENLIGHT_DELIVERY_SWEEP_MS: '100' });

const sentTo = (chatId: string, text: RegExp) => w.teams.posts(chatId).filter((c) => Array.isArray(c.body.attachments) && text.test(cardText(c)));

describe('Teams beyond the request', () => {
  it('a reminder reaches the linked person the step waits for, with actions that decide', async () => {
    expect(w.server.deps.config.mail).toBeNull();
    const org = await msteamsOrg(w);
    const bob = await linkedPerson(w, org);
    const carol = await linkedPerson(w, org);
    await org.admin.http().patch('/api/v1/org/notification-defaults').send({ reminder_policy: { remind: { after: '1s' } } }).expect(200);
    const flow = await org.admin
      .http()
      .post('/api/v1/flows')
      .send({ name: 'Deploy', steps: [{ approvers: { user_ids: [bob.id] } }] })
      .expect(201);
    const id = await createRequest(w, org, { title: 'Ship the release', flow_id: flow.body.id });
    await w.teams.until(() => sentTo(bob.chatId, /Ship the release/).length === 1);

    const start = Date.now();
    while (Date.now() - start < 15_000) {
      if ((await fireDueTimers({ db: w.server.db, notify: false })) > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await w.teams.until(() => sentTo(bob.chatId, /⏰ Reminder: \\"Ship the release\\" still waits/).length === 1);
    await settled(w, id);
    expect(sentTo(carol.chatId, /Ship the release/)).toHaveLength(0);

    const reminder = sentTo(bob.chatId, /⏰ Reminder/)[0]!;
    expect(answerText(await postActivity(w, org, invoke(w, bob.teamsId, bob.chatId, { gl: actionToken(reminder, 'approve') }, 'approve')))).toBe('Approved.');
    expect(await statusOf(w, id)).toMatchObject({ status: 'approved', votes: 1 });
    // Both cards of the request (the first and the reminder) are updated with the outcome.
    await w.teams.until(() => w.teams.updates(bob.chatId).filter((u) => /Approved by/.test(cardText(u))).length === 2);
  });

  it('a receipt reaches the linked person who approved, once per receipt, with what it said', async () => {
    const org = await msteamsOrg(w);
    const alice = await linkedPerson(w, org);
    const id = await createRequest(w, org, { title: 'Pay invoice 42' });
    await w.teams.until(() => sentTo(alice.chatId, /Pay invoice 42/).length === 1);
    await alice.session.http().patch(`/api/v1/approvals/${id}`).send({ decision: 'approve' }).expect(200);
    await w.server.http(org.seed.key).post(`/api/v1/approvals/${id}/execution`).send({ status: 'succeeded', message: 'Paid <b>42 EUR</b>', url: 'https://bank.example/tx/1' }).expect(200);
    await w.teams.until(() => sentTo(alice.chatId, /Execution succeeded/).length === 1);
    const receipt = sentTo(alice.chatId, /Execution succeeded/)[0]!;
    const text = cardText(receipt);
    expect(text).toContain('Pay invoice 42');
    expect(text).toContain('Paid <b>42 EUR</b>');
    expect(text).toContain('Link: https://bank.example/tx/1');
    expect(JSON.stringify(receipt.body)).toContain(`/requests/${id}`);
    await settled(w, id);
    expect(sentTo(alice.chatId, /Execution succeeded/)).toHaveLength(1);
  });

  it('the daily digest lists what waits for the linked person, by Teams', async () => {
    const org = await msteamsOrg(w);
    const dana = await linkedPerson(w, org);
    const first = await createRequest(w, org, { title: 'Rotate the signing key' });
    const second = await createRequest(w, org, { title: 'Drop the old table' });
    await w.teams.until(() => sentTo(dana.chatId, /Rotate the signing key|Drop the old table/).length === 2);
    await w.server.db.transaction((tx) => fireDigest(tx, { id: randomUUID(), org_id: org.seed.org.id, user_id: dana.id }));
    await w.teams.until(() => sentTo(dana.chatId, /requests wait for you/).length === 1);
    const text = cardText(sentTo(dana.chatId, /requests wait for you/)[0]!);
    expect(text).toMatch(/2 requests wait for you in /);
    expect(text).toContain(`Rotate the signing key ${w.server.deps.config.publicUrl}/requests/${first}`);
    expect(text).toContain(`/requests/${second}`);
  });
});
