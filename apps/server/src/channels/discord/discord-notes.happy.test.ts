/**
 * Discord tells a linked person more than the request: its reminder (the request again, with its
 * buttons, which still decide), a receipt of what the automation did with a request they approved, and
 * the daily digest of what waits for them, each by DM. A server without mail: Discord is the only
 * channel here. Against the Discord API stand-in; the test fires the timers.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fireDueTimers } from '../../jobs/timers.ts';
import { fireDigest } from '../../notify/digests.ts';
import { buttonClick, buttonId, createRequest, discordOrg, linkedPerson, postInteraction, settled, statusOf, useDiscordWorld, type DiscordWorld } from '../../testing/discord-world.ts';

let w: DiscordWorld;
useDiscordWorld((world) => (w = world), { GREENLIGHT_DELIVERY_SCHEDULE: '0,100ms,100ms', GREENLIGHT_DELIVERY_SWEEP_MS: '100' });

const sentTo = (discordId: string, text: RegExp) =>
  w.discord.of('POST /channels/:id/messages', (c) => c.params[0] === w.discord.dmChannelOf(discordId) && text.test(String(c.body.content)));

describe('Discord beyond the request', () => {
  it('a reminder reaches the linked person the step waits for, with buttons that decide', async () => {
    expect(w.server.deps.config.mail).toBeNull();
    const org = await discordOrg(w, { channel: null });
    const bob = await linkedPerson(w, org);
    const carol = await linkedPerson(w, org);
    await org.admin.http().patch('/api/v1/org/notification-defaults').send({ reminder_policy: { remind: { after: '1s' } } }).expect(200);
    const flow = await org.admin
      .http()
      .post('/api/v1/flows')
      .send({ name: 'Deploy', steps: [{ approvers: { user_ids: [bob.id] } }] })
      .expect(201);
    const id = await createRequest(w, org, { title: 'Ship the release', flow_id: flow.body.id });
    await w.discord.until(() => sentTo(bob.discordId, /Ship the release/).length === 1);

    const start = Date.now();
    while (Date.now() - start < 15_000) {
      if ((await fireDueTimers({ db: w.server.db, notify: false })) > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await w.discord.until(() => sentTo(bob.discordId, /^⏰ Reminder: "Ship the release" still waits/).length === 1);
    await settled(w, id);
    // Carol was never asked: no message, no reminder.
    expect(w.discord.dmChannelOf(carol.discordId)).toBeUndefined();

    const reminder = sentTo(bob.discordId, /^⏰ Reminder/)[0]!;
    expect((await postInteraction(w, org, buttonClick(bob.discordId, buttonId(reminder, /Approve/))).expect(200)).body.data.content).toBe('Approved.');
    expect(await statusOf(w, id)).toMatchObject({ status: 'approved', votes: 1 });
    // Both messages of the request (the first and the reminder) are edited with the outcome.
    await w.discord.until(() => w.discord.of('PATCH /channels/:id/messages/:mid', (c) => c.params[0] === w.discord.dmChannelOf(bob.discordId) && /Approved\*\* by/.test(String(c.body.content))).length === 2);
  });

  it('a receipt reaches the linked person who approved, once per receipt, with what it said', async () => {
    const org = await discordOrg(w, { channel: null });
    const alice = await linkedPerson(w, org);
    const id = await createRequest(w, org, { title: 'Pay invoice 42' });
    await w.discord.until(() => sentTo(alice.discordId, /Pay invoice 42/).length === 1);
    await alice.session.http().patch(`/api/v1/approvals/${id}`).send({ decision: 'approve' }).expect(200);
    await w.server.http(org.seed.key).post(`/api/v1/approvals/${id}/execution`).send({ status: 'succeeded', message: 'Paid <b>42 EUR</b> @here', url: 'https://bank.example/tx/1' }).expect(200);
    await w.discord.until(() => sentTo(alice.discordId, /Execution succeeded/).length === 1);
    const sent = sentTo(alice.discordId, /Execution succeeded/)[0]!;
    const text = String(sent.body.content);
    expect(text).toContain('Pay invoice 42');
    expect(text).toContain('Paid \\<b\\>42 EUR\\</b\\> \\@here');
    expect(text).toContain('Link: https://bank.example/tx/1');
    expect(sent.body.allowed_mentions).toEqual({ parse: [] });
    expect(JSON.stringify(sent.body.components)).toContain(`/requests/${id}`);
    await settled(w, id);
    expect(sentTo(alice.discordId, /Execution succeeded/)).toHaveLength(1);
  });

  it('the daily digest lists what waits for the linked person, by Discord', async () => {
    const org = await discordOrg(w, { channel: null });
    const dana = await linkedPerson(w, org);
    const first = await createRequest(w, org, { title: 'Rotate the signing key' });
    const second = await createRequest(w, org, { title: 'Drop the old table' });
    await w.discord.until(() => sentTo(dana.discordId, /Rotate the signing key|Drop the old table/).length === 2);
    await w.server.db.transaction((tx) => fireDigest(tx, { id: randomUUID(), org_id: org.seed.org.id, user_id: dana.id }));
    await w.discord.until(() => sentTo(dana.discordId, /requests wait for you/).length === 1);
    const text = String(sentTo(dana.discordId, /requests wait for you/)[0]!.body.content);
    expect(text).toMatch(/^2 requests wait for you in /);
    expect(text).toContain(`Rotate the signing key ${w.server.deps.config.publicUrl}/requests/${first}`);
    expect(text).toContain(`/requests/${second}`);
  });
});
