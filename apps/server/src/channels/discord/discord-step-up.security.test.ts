/**
 * Discord buttons on a request the org's step-up setting covers: a chat account is no passkey-confirmed
 * session, so a click decides nothing and answers (ephemerally) with the request's page on the
 * dashboard; a DM sent once the setting covers the request has no decision buttons and says why.
 */
import { describe, expect, it } from 'vitest';
import { buttonClick, buttonId, createRequest, customIds, discordOrg, linkedPerson, messagesTo, postInteraction, statusOf, useDiscordWorld, type DiscordWorld } from '../../testing/discord-world.ts';

let w: DiscordWorld;
useDiscordWorld((world) => (w = world));

describe('Discord and the step-up setting', () => {
  it('a button pressed on a covered request decides nothing and links to the page; the same button decides once the request is not covered', async () => {
    const org = await discordOrg(w, { channel: null });
    const alice = await linkedPerson(w, org);
    const id = await createRequest(w, org, { priority: 'high' });
    await w.discord.until(() => messagesTo(w, alice.discordId, id).length === 1);
    const approve = buttonId(messagesTo(w, alice.discordId, id)[0]!, /Approve/);

    await org.admin.http().put('/api/v1/org/step-up').send({ priorities: ['high'], action_types: [] }).expect(200);
    const res = await postInteraction(w, org, buttonClick(alice.discordId, approve)).expect(200);
    expect(res.body.data).toMatchObject({ content: expect.stringMatching(/^Nothing was decided: this needs your passkey/), flags: 64 });
    expect(res.body.data.content).toContain(`${w.server.deps.config.publicUrl}/requests/${id}`);
    expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });

    // Not spent: once the setting no longer covers the request, the same button decides.
    await org.admin.http().put('/api/v1/org/step-up').send({ priorities: [], action_types: [] }).expect(200);
    await postInteraction(w, org, buttonClick(alice.discordId, approve)).expect(200);
    expect(await statusOf(w, id)).toMatchObject({ status: 'approved', votes: 1 });
  });

  it('a DM about a covered request carries no decision buttons and the reason; other requests keep theirs', async () => {
    const org = await discordOrg(w, { channel: null });
    const alice = await linkedPerson(w, org);
    await org.admin.http().put('/api/v1/org/step-up').send({ priorities: [], action_types: ['payments.*'] }).expect(200);
    const covered = await createRequest(w, org, { action_type: 'payments.refund' });
    const plain = await createRequest(w, org, { action_type: 'reads.list' });
    await w.discord.until(() => messagesTo(w, alice.discordId, covered).length === 1 && messagesTo(w, alice.discordId, plain).length === 1);
    const m = messagesTo(w, alice.discordId, covered)[0]!;
    expect(customIds(m)).toEqual([]);
    expect(String(m.body.content)).toContain('Confirm with your passkey');
    expect(customIds(messagesTo(w, alice.discordId, plain)[0]!)).toHaveLength(3);
  });
});
