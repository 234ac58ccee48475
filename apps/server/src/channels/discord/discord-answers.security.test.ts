/**
 * Discord is not given a form here: a request that needs an answer (or may be edited) comes without a
 * one-tap Approve, in a person's message and in the channel's post, saying so, with "Open to approve"
 * linking to its page; Reject stays one tap. An approve button for it anyway (an old one, or one
 * planted in the store as a correctly made token, signed by Discord) is refused ephemerally and
 * decides nothing.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buttonClick, buttonId, createRequest, discordOrg, linkedPerson, messagesTo, postInteraction, postsIn, settled, statusOf, useDiscordWorld, type DiscordWorld } from '../../testing/discord-world.ts';

let w: DiscordWorld;
useDiscordWorld((world) => (w = world));

const SCHEMA = { type: 'object', properties: { amount: { type: 'number' } }, required: ['amount'] };
type Component = { label?: string; custom_id?: string; url?: string };
const buttons = (c: { body: Record<string, unknown> }): Component[] => ((c.body.components ?? []) as { components: Component[] }[]).flatMap((r) => r.components);

async function plantedApprove(approvalId: string, orgId: string, userId: string | null): Promise<string> {
  const token = `gl1:${randomBytes(24).toString('base64url')}`;
  await w.server.db.query(`INSERT INTO discord_buttons (token_hash, org_id, approval_id, user_id, decision) VALUES ($1, $2, $3, $4, 'approve')`, [
    createHash('sha256').update(token).digest('hex'),
    orgId,
    approvalId,
    userId,
  ]);
  return token;
}

describe('Discord: requests that need an answer', () => {
  it.each([
    ['a response_schema its defaults do not answer', { response_schema: SCHEMA }, 'This request asks for an answer: open it to approve.'],
    ['editable fields', { editable: ['metadata.query'], metadata: { query: 'SELECT 1' } }, 'This request may be edited before it is approved: open it to approve.'],
  ])('%s: no one-tap Approve in the message or the channel; the link instead; a forced approve is refused; Reject works', async (_name, body, line) => {
    const org = await discordOrg(w);
    const alice = await linkedPerson(w, org);
    const id = await createRequest(w, org, body);
    await w.discord.until(() => messagesTo(w, alice.discordId, id).length === 1 && postsIn(w, org.channelId!, id).length === 1);
    await settled(w, id);
    for (const sent of [messagesTo(w, alice.discordId, id)[0]!, postsIn(w, org.channelId!, id)[0]!]) {
      expect(buttons(sent).map((b) => b.label)).not.toContain('Approve');
      expect(buttons(sent)[0]).toMatchObject({ label: 'Open to approve', url: expect.stringMatching(new RegExp(`^https?://[^/]+/requests/${id}$`)) });
      expect(buttons(sent).map((b) => b.label)).toContain('Reject');
      expect(String(sent.body.content)).toContain(line);
    }
    const dm = messagesTo(w, alice.discordId, id)[0]!;

    for (const forced of [await plantedApprove(id, org.seed.org.id, alice.id), await plantedApprove(id, org.seed.org.id, null)]) {
      const res = await postInteraction(w, org, buttonClick(alice.discordId, forced)).expect(200);
      expect(res.body.data).toMatchObject({ content: expect.stringMatching(/^Nothing was decided: this request asks for an answer/), flags: 64 });
    }
    expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });

    await postInteraction(w, org, buttonClick(alice.discordId, buttonId(dm, /Reject/))).expect(200);
    expect(await statusOf(w, id)).toMatchObject({ status: 'rejected', votes: 1 });
    await settled(w, id);
  });
});
