/**
 * Discord's 3-second deadline: a click whose vote may take longer than Greenlight allows itself
 * (GREENLIGHT_DISCORD_ANSWER_WITHIN_MS; 0 here, so every click is deferred) is answered at once with a
 * deferred update (type 6), then its outcome is told by an ephemeral follow-up through the interaction's
 * webhook, and the message is edited with the outcome for every recipient.
 */
import { describe, expect, it } from 'vitest';
import { InteractionResponseType } from 'discord-interactions';
import { buttonClick, buttonId, createRequest, DISCORD_APP_ID, discordOrg, edits, linkedPerson, messagesTo, postInteraction, sentOf, statusOf, useDiscordWorld, type DiscordWorld } from '../../testing/discord-world.ts';

let w: DiscordWorld;
useDiscordWorld((world) => (w = world), { GREENLIGHT_DISCORD_ANSWER_WITHIN_MS: '0' });

const followUps = (token: string) => w.discord.of('POST /webhooks/:app/:token', (c) => c.params[0] === DISCORD_APP_ID && c.params[1] === token);

describe('Discord deferred answers', () => {
  it('a click is answered with a deferred update at once; the outcome follows ephemerally and every message is edited', async () => {
    const org = await discordOrg(w);
    const alice = await linkedPerson(w, org);
    const bob = await linkedPerson(w, org);
    const id = await createRequest(w, org);
    await w.discord.until(() => messagesTo(w, alice.discordId, id).length === 1 && messagesTo(w, bob.discordId, id).length === 1);
    const click = postInteraction(w, org, buttonClick(alice.discordId, buttonId(messagesTo(w, alice.discordId, id)[0]!, /Approve/)));
    const token = String(JSON.parse(click.raw).token);
    const started = Date.now();
    const res = await click.expect(200);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(res.body).toEqual({ type: InteractionResponseType.DEFERRED_UPDATE_MESSAGE });

    await w.discord.until(() => followUps(token).length === 1);
    const follow = followUps(token)[0]!;
    expect(follow.auth).toBeNull();
    expect(follow.body).toMatchObject({ content: 'Approved.', flags: 64, allowed_mentions: { parse: [] } });
    expect(await statusOf(w, id)).toMatchObject({ status: 'approved', votes: 1 });
    const sent = await sentOf(w, id);
    await w.discord.until(() => sent.every((m) => edits(w, m).length === 1));
    for (const m of sent) expect(String(edits(w, m)[0]!.body.content)).toMatch(/Approved\*\* by/);
  });

  it('a refusal is deferred and told the same way, to the clicker alone', async () => {
    const org = await discordOrg(w);
    const alice = await linkedPerson(w, org);
    const bob = await linkedPerson(w, org);
    const id = await createRequest(w, org);
    await w.discord.until(() => messagesTo(w, alice.discordId, id).length === 1);
    const click = postInteraction(w, org, buttonClick(bob.discordId, buttonId(messagesTo(w, alice.discordId, id)[0]!, /Approve/)));
    const token = String(JSON.parse(click.raw).token);
    expect((await click.expect(200)).body).toEqual({ type: InteractionResponseType.DEFERRED_UPDATE_MESSAGE });
    await w.discord.until(() => followUps(token).length === 1);
    expect(followUps(token)[0]!.body).toMatchObject({ content: expect.stringMatching(/someone else/), flags: 64 });
    expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });
  });
});
