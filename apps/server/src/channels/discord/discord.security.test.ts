/**
 * What a Discord interaction cannot do: without a valid Ed25519 signature of the org's application
 * (missing, forged with another key, over another body, another org's) nothing is read (401); a stale
 * timestamp and the same signed interaction posted again are 401; a replayed, forged, foreign or
 * someone else's button, an unlinked account, a bot, a viewer and a click under the emergency stop
 * decide nothing, each told to the clicker alone (ephemeral); link codes are single-use and short-lived.
 */
import { describe, expect, it } from 'vitest';
import { InteractionType } from 'discord-interactions';
import { newDiscordKeys } from '../../testing/discord.ts';
import {
  buttonClick,
  commentSubmit,
  buttonId,
  createRequest,
  discordOrg,
  linkCommand,
  linkedPerson,
  messagesTo,
  postInteraction,
  postRaw,
  snowflake,
  statusOf,
  useDiscordWorld,
  type DiscordWorld,
} from '../../testing/discord-world.ts';

let w: DiscordWorld;
useDiscordWorld((world) => (w = world));

const PING = { type: InteractionType.PING };

describe('Discord interactions security', () => {
  it('a missing, forged, tampered or other org\'s signature, or an unknown org, is 401 and reads nothing', async () => {
    const org = await discordOrg(w);
    const other = await discordOrg(w);
    const before = w.discord.calls.length;
    await postInteraction(w, org, PING, { signature: null }).expect(401);
    await postInteraction(w, org, PING, { signature: 'zz'.repeat(64) }).expect(401);
    await postInteraction(w, org, PING, { signature: '00'.repeat(64) }).expect(401);
    await postInteraction(w, org, PING, { keys: newDiscordKeys() }).expect(401);
    await postInteraction(w, org, PING, { keys: other.keys }).expect(401);
    // Signed over one body, sent with another.
    const signed = postInteraction(w, org, PING);
    const tampered = JSON.stringify({ ...JSON.parse(signed.raw), type: InteractionType.MESSAGE_COMPONENT });
    await postRaw(w, org, tampered, { signature: (signed as unknown as { header: Record<string, string> }).header['X-Signature-Ed25519'] }).expect(401);
    await signed.expect(200);
    await postInteraction(w, { ...org, path: '/channels/discord/00000000-0000-4000-8000-000000000000/interactions' }, PING).expect(401);
    await postInteraction(w, { ...org, path: '/channels/discord/not-a-uuid/interactions' }, PING).expect(401);
    expect(w.discord.calls.length).toBe(before);
    // Turned off: its key no longer opens anything.
    await org.admin.http().delete('/api/v1/org/discord').expect(200);
    await postInteraction(w, org, PING).expect(401);
  });

  it('a stale or future timestamp is refused even when signed; the same signed interaction twice is refused', async () => {
    const org = await discordOrg(w);
    const now = Math.floor(Date.now() / 1000);
    // Ten seconds past the 5-minute window each way: a second's margin was eaten by the floor above and
    // the time each request takes on a slow machine, and a future timestamp then fell inside it.
    await postInteraction(w, org, PING, { timestamp: now - 310 }).expect(401);
    await postInteraction(w, org, PING, { timestamp: now + 310 }).expect(401);
    await postInteraction(w, org, PING, { timestamp: now - 60 }).expect(200);

    const alice = await linkedPerson(w, org);
    const id = await createRequest(w, org, { required_approvals: 2 });
    await w.discord.until(() => messagesTo(w, alice.discordId, id).length === 1);
    const click = postInteraction(w, org, buttonClick(alice.discordId, buttonId(messagesTo(w, alice.discordId, id)[0]!, /Approve/)));
    await click.expect(200);
    await postRaw(w, org, click.raw).expect(401);
    expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 1 });
  });

  it('an interaction of another application, even signed with the org\'s key, is refused', async () => {
    const org = await discordOrg(w);
    await postInteraction(w, org, { ...PING, application_id: '1999999999999999999' }).expect(401);
  });

  it('a replayed click (a new interaction with a spent button) decides nothing more', async () => {
    const org = await discordOrg(w);
    const alice = await linkedPerson(w, org);
    const id = await createRequest(w, org, { required_approvals: 2 });
    await w.discord.until(() => messagesTo(w, alice.discordId, id).length === 1);
    const approve = buttonId(messagesTo(w, alice.discordId, id)[0]!, /Approve/);
    expect((await postInteraction(w, org, buttonClick(alice.discordId, approve)).expect(200)).body.data.content).toMatch(/recorded/);
    expect((await postInteraction(w, org, buttonClick(alice.discordId, approve)).expect(200)).body.data).toMatchObject({ content: expect.stringMatching(/already used/), flags: 64 });
    expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 1 });
  });

  it('an unlinked account, a bot, another person, another org, a forged button and a viewer decide nothing', async () => {
    const org = await discordOrg(w);
    const other = await discordOrg(w);
    const alice = await linkedPerson(w, org);
    const bob = await linkedPerson(w, org);
    const mallory = await linkedPerson(w, other);
    const id = await createRequest(w, org);
    await w.discord.until(() => messagesTo(w, alice.discordId, id).length === 1);
    const approve = buttonId(messagesTo(w, alice.discordId, id)[0]!, /Approve/);

    const click = async (who: string, customId: string, o = org) => {
      const res = await postInteraction(w, o, buttonClick(who, customId)).expect(200);
      // Told to the clicker alone: an ephemeral answer, never a message in a channel.
      expect(res.body.data.flags).toBe(64);
      return String(res.body.data.content);
    };
    expect(await click(snowflake(), approve)).toMatch(/not linked/);
    expect(await click(bob.discordId, approve)).toMatch(/someone else/);
    expect(await click(mallory.discordId, approve, other)).toMatch(/not one Greenlight sent you/);
    expect(await click(alice.discordId, 'gl1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).toMatch(/not one Greenlight sent you/);
    expect(await click(alice.discordId, '')).toMatch(/not one Greenlight sent you/);
    const bot = buttonClick(alice.discordId, approve);
    (bot as unknown as { user: { bot?: boolean } }).user.bot = true;
    expect((await postInteraction(w, org, bot).expect(200)).body.data.content).toMatch(/people only/);
    expect(w.discord.of('POST /channels/:id/messages', (c) => /Nothing was decided/.test(String(c.body.content)))).toEqual([]);

    await w.server.db.query("UPDATE memberships SET role = 'viewer' WHERE org_id = $1 AND user_id = $2", [org.seed.org.id, alice.id]);
    expect(await click(alice.discordId, approve)).toMatch(/viewer/);
    expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });
  });

  it('a viewer linked to the channel post decides nothing with it', async () => {
    const org = await discordOrg(w);
    const viewer = await linkedPerson(w, org, 'viewer');
    const id = await createRequest(w, org);
    await w.discord.until(() => w.discord.of('POST /channels/:id/messages', (c) => c.params[0] === org.channelId).length > 0);
    const post = w.discord.of('POST /channels/:id/messages', (c) => c.params[0] === org.channelId).at(-1)!;
    const res = await postInteraction(w, org, buttonClick(viewer.discordId, buttonId(post, /Approve/), 'guild')).expect(200);
    expect(res.body.data).toMatchObject({ content: expect.stringMatching(/viewer/), flags: 64 });
    expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });
  });

  it('under the emergency stop a click decides nothing, and the button works once the stop ends; an expired request is not decided', async () => {
    const org = await discordOrg(w);
    const alice = await linkedPerson(w, org);
    const id = await createRequest(w, org);
    await w.discord.until(() => messagesTo(w, alice.discordId, id).length === 1);
    const approve = buttonId(messagesTo(w, alice.discordId, id)[0]!, /Approve/);
    await org.admin.http().patch('/api/v1/org').send({ emergency_stop: true }).expect(200);
    expect((await postInteraction(w, org, buttonClick(alice.discordId, approve)).expect(200)).body.data.content).toMatch(/Nothing was decided: .*emergency stop/);
    expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });
    await org.admin.http().patch('/api/v1/org').send({ emergency_stop: false }).expect(200);
    await postInteraction(w, org, buttonClick(alice.discordId, approve)).expect(200);
    expect(await statusOf(w, id)).toMatchObject({ status: 'approved', votes: 1 });

    const late = await createRequest(w, org);
    await w.discord.until(() => messagesTo(w, alice.discordId, late).length === 1);
    await w.server.db.query("UPDATE approvals SET expires_at = now() - interval '1 second' WHERE id = $1", [late]);
    const res = await postInteraction(w, org, buttonClick(alice.discordId, buttonId(messagesTo(w, alice.discordId, late)[0]!, /Approve/))).expect(200);
    expect(res.body.data).toMatchObject({ content: expect.stringMatching(/Nothing was decided/), flags: 64 });
    expect((await statusOf(w, late)).votes).toBe(0);
  });

  it("someone else's or an unlinked account's Comment form saves nothing; a decision button cannot be a form", async () => {
    const org = await discordOrg(w, { channel: null });
    const alice = await linkedPerson(w, org);
    const bob = await linkedPerson(w, org);
    const id = await createRequest(w, org);
    await w.discord.until(() => messagesTo(w, alice.discordId, id).length === 1);
    const sent = messagesTo(w, alice.discordId, id)[0]!;
    const comment = buttonId(sent, /Comment/);
    expect((await postInteraction(w, org, buttonClick(bob.discordId, comment)).expect(200)).body.data).toMatchObject({ content: expect.stringMatching(/someone else/), flags: 64 });
    expect((await postInteraction(w, org, commentSubmit(bob.discordId, comment, 'mine')).expect(200)).body.data.content).toMatch(/someone else/);
    expect((await postInteraction(w, org, commentSubmit(snowflake(), comment, 'mine')).expect(200)).body.data.content).toMatch(/not linked/);
    expect((await postInteraction(w, org, commentSubmit(alice.discordId, buttonId(sent, /Approve/), 'x')).expect(200)).body.data.content).toMatch(/not one Greenlight sent you/);
    expect((await postInteraction(w, org, commentSubmit(alice.discordId, comment, '   ')).expect(200)).body.data.content).toMatch(/needs some text/);
    expect((await org.admin.http().get(`/api/v1/approvals/${id}/comments`).expect(200)).body.data).toEqual([]);
    expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });
  });

  it('a link code works once and not after it expires; only a session makes one', async () => {
    const org = await discordOrg(w);
    const carol = await linkedPerson(w, org);
    const code = ((await carol.session.http().post('/api/v1/me/discord/code').expect(201)).body as { code: string }).code;
    const first = snowflake();
    const second = snowflake();
    expect((await postInteraction(w, org, linkCommand(first, code)).expect(200)).body.data).toMatchObject({ content: expect.stringMatching(/^Linked/), flags: 64 });
    expect((await postInteraction(w, org, linkCommand(second, code)).expect(200)).body.data.content).toMatch(/not valid/);
    const { rows } = await w.server.db.query<{ discord_user_id: string }>('SELECT discord_user_id FROM discord_links WHERE org_id = $1 AND user_id = $2', [org.seed.org.id, carol.id]);
    expect(rows.map((r) => r.discord_user_id)).toEqual([first]);

    const late = ((await carol.session.http().post('/api/v1/me/discord/code').expect(201)).body as { code: string }).code;
    await w.server.db.query("UPDATE discord_link_codes SET expires_at = now() - interval '1 second' WHERE org_id = $1 AND used_at IS NULL", [org.seed.org.id]);
    expect((await postInteraction(w, org, linkCommand(snowflake(), late)).expect(200)).body.data.content).toMatch(/not valid/);

    await w.server.http(org.seed.key).post('/api/v1/me/discord/code').expect(403);
    await w.server.http(org.seed.key).put('/api/v1/org/discord').send({}).expect(403);
  });
});
