/**
 * Discord against a local stand-in of its API, with interactions signed by the test's own Ed25519 key
 * pair: connecting checks the token and registers /link; a member links with a one-time code; a linked
 * person asked gets the request by DM with Approve / Reject, and the org's channel gets its post; a click
 * decides once (source `discord`) and is answered to the clicker alone; a decision made anywhere edits
 * every message; a slow decision is answered with a deferred update and told by a follow-up.
 */
import { describe, expect, it } from 'vitest';
import { InteractionResponseType, InteractionType } from 'discord-interactions';
import {
  buttonClick,
  commentSubmit,
  buttonId,
  createRequest,
  customIds,
  DISCORD_APP_ID,
  DISCORD_BOT_TOKEN,
  discordOrg,
  edits,
  linkedPerson,
  messagesTo,
  postInteraction,
  postsIn,
  sentOf,
  settled,
  statusOf,
  useDiscordWorld,
  type DiscordWorld,
} from '../../testing/discord-world.ts';

let w: DiscordWorld;
useDiscordWorld((world) => (w = world));

describe('Discord', () => {
  it('connecting checks the token, registers /link and stores the secrets sealed; PING is answered PONG', async () => {
    const org = await discordOrg(w);
    const res = await org.admin.http().get('/api/v1/org/discord').expect(200);
    expect(res.body).toMatchObject({ configured: true, application_id: DISCORD_APP_ID, channel_id: org.channelId, bot_username: 'greenlight_test_bot', interactions_url: expect.stringContaining(org.path) });
    expect(JSON.stringify(res.body)).not.toContain(DISCORD_BOT_TOKEN);
    expect(JSON.stringify(res.body)).not.toContain(org.keys.publicKeyHex);
    const command = w.discord.of('PUT /applications/:id/commands').at(-1)!;
    expect(command.params[0]).toBe(DISCORD_APP_ID);
    expect(command.body).toEqual([expect.objectContaining({ name: 'link', options: [expect.objectContaining({ name: 'code', required: true })] })]);
    const { rows } = await w.server.db.query<{ bot_token: string; public_key: string }>('SELECT bot_token, public_key FROM discord_settings WHERE org_id = $1', [org.seed.org.id]);
    expect(rows[0]!.bot_token).not.toContain(DISCORD_BOT_TOKEN.split('.')[2]);
    expect(rows[0]!.public_key).not.toContain(org.keys.publicKeyHex);
    await postInteraction(w, org, { type: InteractionType.PING }).expect(200, { type: InteractionResponseType.PONG });
  });

  it('a linked approver gets the request by DM and the channel its post; a click approves once, answered ephemerally; every message is edited', async () => {
    const org = await discordOrg(w);
    const alice = await linkedPerson(w, org);
    expect((await alice.session.http().get('/api/v1/me/discord').expect(200)).body).toMatchObject({ linked: true });

    const id = await createRequest(w, org, { title: 'Rotate <b>keys</b> @everyone', description: 'Use *care* [x](http://evil.example) <@123>' });
    await w.discord.until(() => messagesTo(w, alice.discordId, id).length === 1 && postsIn(w, org.channelId!, id).length === 1);
    await settled(w, id);
    const dm = messagesTo(w, alice.discordId, id)[0]!;
    expect(dm.auth).toBe(`Bot ${DISCORD_BOT_TOKEN}`);
    expect(w.discord.of('POST /users/@me/channels', (c) => c.body.recipient_id === alice.discordId)).toHaveLength(1);
    // Text from the request is inert: markdown escaped, nobody mentioned, no link preview.
    expect(dm.body.allowed_mentions).toEqual({ parse: [] });
    expect(Number(dm.body.flags) & 4).toBe(4);
    expect(String(dm.body.content)).toContain('Rotate \\<b\\>keys\\</b\\> \\@everyone');
    expect(String(dm.body.content)).toContain('Use \\*care\\* \\[x\\]\\(http://evil.example\\) \\<\\@123\\>');
    const approve = buttonId(dm, /Approve/);
    const reject = buttonId(dm, /Reject/);
    expect(approve.length).toBeLessThanOrEqual(100);
    expect(approve).not.toContain(id);
    expect(approve).not.toBe(reject);
    // The channel's post has buttons of its own.
    const post = postsIn(w, org.channelId!, id)[0]!;
    expect(customIds(post)).toHaveLength(2);
    expect(customIds(post)).not.toContain(approve);

    const res = await postInteraction(w, org, buttonClick(alice.discordId, approve)).expect(200);
    expect(res.body).toEqual({ type: InteractionResponseType.CHANNEL_MESSAGE_WITH_SOURCE, data: expect.objectContaining({ content: 'Approved.', flags: 64 }) });
    expect(await statusOf(w, id)).toMatchObject({ status: 'approved', votes: 1 });
    const { rows } = await w.server.db.query<{ source: string }>('SELECT source FROM approval_votes WHERE approval_id = $1', [id]);
    expect(rows).toEqual([{ source: 'discord' }]);

    const sent = await sentOf(w, id);
    expect(sent).toHaveLength(2);
    await w.discord.until(() => sent.every((m) => edits(w, m).length === 1));
    for (const m of sent) {
      const edit = edits(w, m)[0]!;
      expect(String(edit.body.content)).toMatch(/Approved\*\* by/);
      expect(customIds(edit)).toEqual([]);
      expect(edit.body.allowed_mentions).toEqual({ parse: [] });
    }

    // The other button of the same message decides nothing more.
    const again = await postInteraction(w, org, buttonClick(alice.discordId, reject)).expect(200);
    expect(again.body.data).toMatchObject({ content: expect.stringMatching(/Nothing was decided/), flags: 64 });
    expect(await statusOf(w, id)).toMatchObject({ status: 'approved', votes: 1 });
  });

  it("the channel's post: each linked member asked votes once with its buttons", async () => {
    const org = await discordOrg(w);
    const alice = await linkedPerson(w, org);
    const bob = await linkedPerson(w, org);
    const id = await createRequest(w, org, { required_approvals: 2 });
    await w.discord.until(() => postsIn(w, org.channelId!, id).length === 1);
    const approve = buttonId(postsIn(w, org.channelId!, id)[0]!, /Approve/);
    const first = await postInteraction(w, org, buttonClick(alice.discordId, approve, 'guild')).expect(200);
    expect(first.body.data.content).toMatch(/recorded.*1 of 2/);
    const twice = await postInteraction(w, org, buttonClick(alice.discordId, approve, 'guild')).expect(200);
    expect(twice.body.data.content).toMatch(/Nothing was decided/);
    expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 1 });
    await postInteraction(w, org, buttonClick(bob.discordId, approve, 'guild')).expect(200);
    expect(await statusOf(w, id)).toMatchObject({ status: 'approved', votes: 2 });
  });

  it('a decision made in the API edits every Discord message of the request', async () => {
    const org = await discordOrg(w);
    const alice = await linkedPerson(w, org);
    const bob = await linkedPerson(w, org);
    const id = await createRequest(w, org);
    await w.discord.until(() => messagesTo(w, alice.discordId, id).length === 1 && messagesTo(w, bob.discordId, id).length === 1 && postsIn(w, org.channelId!, id).length === 1);
    await settled(w, id);
    await org.admin.http().patch(`/api/v1/approvals/${id}`).send({ decision: 'reject', comment: 'no' }).expect(200);
    const sent = await sentOf(w, id);
    expect(sent).toHaveLength(3);
    await w.discord.until(() => sent.every((m) => edits(w, m).length === 1));
    for (const m of sent) expect(String(edits(w, m)[0]!.body.content)).toMatch(/Rejected\*\* by/);
  });

  it('Comment opens a form; the submitted comment is saved as the member, and decides nothing', async () => {
    const org = await discordOrg(w, { channel: null });
    const alice = await linkedPerson(w, org);
    const id = await createRequest(w, org);
    await w.discord.until(() => messagesTo(w, alice.discordId, id).length === 1);
    const comment = buttonId(messagesTo(w, alice.discordId, id)[0]!, /Comment/);
    const opened = await postInteraction(w, org, buttonClick(alice.discordId, comment)).expect(200);
    expect(opened.body).toMatchObject({
      type: InteractionResponseType.MODAL,
      data: { custom_id: comment, components: [{ type: 1, components: [expect.objectContaining({ type: 4, custom_id: 'comment', required: true })] }] },
    });
    const saved = await postInteraction(w, org, commentSubmit(alice.discordId, comment, '  Checked the logs <@1>  ')).expect(200);
    expect(saved.body.data).toMatchObject({ content: 'Your comment is saved on the request.', flags: 64 });
    const list = await org.admin.http().get(`/api/v1/approvals/${id}/comments`).expect(200);
    expect(list.body.data).toEqual([expect.objectContaining({ body: 'Checked the logs <@1>', user_id: alice.id })]);
    expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });
  });

  it('a member unlinks; their account then decides nothing; linking and unlinking are in the audit log, by the member', async () => {
    const org = await discordOrg(w);
    const alice = await linkedPerson(w, org);
    const id = await createRequest(w, org);
    await w.discord.until(() => messagesTo(w, alice.discordId, id).length === 1);
    await alice.session.http().delete('/api/v1/me/discord').expect(200, { linked: false, discord_username: null, linked_at: null });
    const res = await postInteraction(w, org, buttonClick(alice.discordId, buttonId(messagesTo(w, alice.discordId, id)[0]!, /Approve/))).expect(200);
    expect(res.body.data).toMatchObject({ content: expect.stringMatching(/not linked.*\/link/), flags: 64 });
    expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });
    await alice.session.http().delete('/api/v1/me/discord').expect(200);
    const log = await org.admin.http().get('/api/v1/audit-log').query({ page_size: 100 }).expect(200);
    const mine = (log.body.data as { type: string; actor: { id: string | null }; target: { id: string } | null; details: Record<string, unknown> }[])
      .filter((e) => e.type.startsWith('discord.') && e.target?.id === alice.id)
      .map((e) => ({ type: e.type, actor: e.actor.id }));
    expect(mine.sort((a, b) => a.type.localeCompare(b.type))).toEqual([
      { type: 'discord.linked', actor: alice.id },
      { type: 'discord.unlinked', actor: alice.id },
    ]);
  });
});
