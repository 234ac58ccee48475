/**
 * Discord when things go wrong: a body that is not JSON or not an interaction is a 400 (after the
 * signature is checked); a token Discord refuses, or another application's, is a 400 and nothing is
 * stored; a person who does not accept the bot's messages fails their row for good; a rate limit is
 * retried after Discord's retry_after; an API that is down has its messages retried until it is back.
 * A click answered directly comes well inside Discord's 3 seconds.
 */
import { describe, expect, it } from 'vitest';
import { DISCORD_APP_ID, DISCORD_BOT_TOKEN } from '../../testing/discord.ts';
import { buttonClick, buttonId, createRequest, discordOrg, edits, linkedPerson, messagesTo, postInteraction, postRaw, sentOf, settled, statusOf, useDiscordWorld, type DiscordWorld } from '../../testing/discord-world.ts';

let w: DiscordWorld;
useDiscordWorld((world) => (w = world), { GREENLIGHT_DELIVERY_SWEEP_MS: '100', GREENLIGHT_DELIVERY_SCHEDULE: '0,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms' });

describe('Discord errors', () => {
  it('a body that is not JSON, or not an interaction, is a 400 in the error envelope; unsigned, a 401 first', async () => {
    const org = await discordOrg(w);
    const bad = await postRaw(w, org, '{"type": 1,').expect(400);
    expect(bad.body).toMatchObject({ error: { code: 'VALIDATION_ERROR' } });
    await postRaw(w, org, JSON.stringify({ type: 'x' })).expect(400);
    await postRaw(w, org, '{"type": 1,', { signature: null }).expect(401);
  });

  it('a token Discord refuses, or another application\'s, is a 400 and nothing is stored; a malformed body is a 400', async () => {
    const org = await discordOrg(w);
    await org.admin.http().delete('/api/v1/org/discord').expect(200);
    const body = { application_id: DISCORD_APP_ID, public_key: org.keys.publicKeyHex, bot_token: DISCORD_BOT_TOKEN };
    w.discord.fail('GET /applications/@me', { status: 401, message: '401: Unauthorized' });
    expect((await org.admin.http().put('/api/v1/org/discord').send(body).expect(400)).body).toMatchObject({ error: { code: 'VALIDATION_ERROR' } });
    await org.admin.http().put('/api/v1/org/discord').send({ ...body, application_id: '1999999999999999999' }).expect(400);
    expect((await org.admin.http().get('/api/v1/org/discord').expect(200)).body).toMatchObject({ configured: false });
    await org.admin.http().put('/api/v1/org/discord').send({ ...body, public_key: 'xyz' }).expect(400);
    await org.admin.http().put('/api/v1/org/discord').send({ ...body, bot_token: 'short' }).expect(400);
    await org.admin.http().put('/api/v1/org/discord').send({ ...body, channel_id: '#general' }).expect(400);
    expect((await org.admin.http().post('/api/v1/me/discord/code').expect(409)).body).toMatchObject({ error: { code: 'INVALID_STATUS' } });
  });

  it('a person who does not accept the bot\'s messages fails for good; a rate limit is retried after retry_after', async () => {
    const org = await discordOrg(w, { channel: null });
    const alice = await linkedPerson(w, org);
    w.discord.fail('POST /channels/:id/messages', { status: 403, code: 50007, message: 'Cannot send messages to this user' });
    const id = await createRequest(w, org);
    await settled(w, id);
    const { rows } = await w.server.db.query<{ status: string }>("SELECT status FROM deliveries WHERE approval_id = $1 AND channel = 'discord'", [id]);
    expect(rows).toEqual([{ status: 'failed' }]);

    w.discord.fail('POST /channels/:id/messages', { status: 429, message: 'You are being rate limited.', retryAfter: 0.5 });
    const again = await createRequest(w, org);
    await w.discord.until(() => messagesTo(w, alice.discordId, again).length === 2);
    const [limited, ok] = messagesTo(w, alice.discordId, again);
    expect(ok!.at - limited!.at).toBeGreaterThanOrEqual(450);
    await settled(w, again);
    expect((await sentOf(w, again)).length).toBe(1);
  });

  it('with the API down, messages and edits are retried until it is back; none is lost; a click is answered within 3 s', async () => {
    const org = await discordOrg(w, { channel: null });
    const people = [await linkedPerson(w, org), await linkedPerson(w, org), await linkedPerson(w, org)];
    w.discord.setDown(true);
    const id = await createRequest(w, org);
    await w.discord.until(() => w.discord.of('POST /users/@me/channels').filter((c) => people.some((p) => p.discordId === c.body.recipient_id)).length >= 6);
    w.discord.setDown(false);
    await settled(w, id);
    const { rows } = await w.server.db.query<{ status: string; n: number }>("SELECT status, count(*)::int AS n FROM deliveries WHERE approval_id = $1 AND channel = 'discord' GROUP BY status", [id]);
    expect(rows).toEqual([{ status: 'delivered', n: 3 }]);

    w.discord.setDown(true);
    const first = people[0]!;
    const started = Date.now();
    const res = await postInteraction(w, org, buttonClick(first.discordId, buttonId(messagesTo(w, first.discordId, id)[0]!, /Approve/))).expect(200);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(res.body.data.content).toBe('Approved.');
    expect(await statusOf(w, id)).toMatchObject({ status: 'approved', votes: 1 });
    const sent = await sentOf(w, id);
    await w.discord.until(() => sent.every((m) => edits(w, m).length >= 2));
    w.discord.setDown(false);
    await settled(w, id);
    const { rows: updates } = await w.server.db.query<{ status: string; n: number }>(
      "SELECT status, count(*)::int AS n FROM deliveries WHERE approval_id = $1 AND channel = 'discord' AND kind = 'decision_update' GROUP BY status",
      [id],
    );
    expect(updates).toEqual([{ status: 'delivered', n: 3 }]);
  });
});
