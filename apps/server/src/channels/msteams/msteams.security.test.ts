/**
 * What an activity posted to a Teams bot's endpoint cannot do: without a Bot Framework token for this
 * bot and this activity (unsigned, forged, expired, another audience or issuer, another service URL)
 * nothing is read (401); a replayed, forged, foreign or someone else's action, an unlinked account, a
 * viewer, a click under the emergency stop or after expiry decide nothing, each told to the clicker
 * alone; a GET decides nothing; link codes are single-use, short-lived and work only in a personal chat.
 */
import { randomUUID } from 'node:crypto';
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import {
  actionToken,
  activity,
  answerText,
  cardsIn,
  connectorToken,
  createRequest,
  invoke,
  linkedPerson,
  msteamsOrg,
  postActivity,
  settled,
  statusOf,
  useMsTeamsWorld,
  type MsTeamsWorld,
} from '../../testing/msteams-world.ts';

let w: MsTeamsWorld;
useMsTeamsWorld((world) => (w = world));

describe('Teams messaging endpoint security', () => {
  it('an unsigned, forged, expired, wrong-audience, wrong-issuer or wrong-serviceUrl token is 401 and decides nothing', async () => {
    const org = await msteamsOrg(w);
    const other = await msteamsOrg(w);
    const alice = await linkedPerson(w, org);
    const id = await createRequest(w, org);
    await w.teams.until(() => cardsIn(w, alice.chatId, id).length === 1);
    const click = invoke(w, alice.teamsId, alice.chatId, { gl: actionToken(cardsIn(w, alice.chatId, id)[0]!, 'approve') }, 'approve');
    const before = w.teams.calls.length;

    await postActivity(w, org, click, null, 401);
    await postActivity(w, org, click, 'not-a-jwt', 401);
    await postActivity(w, org, click, await connectorToken(w, org, {}, { forged: true }), 401);
    await postActivity(w, org, click, await connectorToken(w, org, {}, { forged: true, kid: 'unknown-key' }), 401);
    // Expired beyond the five minutes of clock skew the Bot Framework allows.
    await postActivity(w, org, click, await connectorToken(w, org, { exp: Math.floor(Date.now() / 1000) - 600 }), 401);
    await postActivity(w, org, click, await connectorToken(w, org, { aud: other.appId }), 401);
    await postActivity(w, org, click, await connectorToken(w, org, { aud: randomUUID() }), 401);
    await postActivity(w, org, click, await connectorToken(w, org, { iss: 'https://sts.windows.net/evil/' }), 401);
    await postActivity(w, org, click, await connectorToken(w, org, { serviceurl: 'https://evil.example/' }), 401);
    await postActivity(w, org, click, await connectorToken(w, org, { serviceurl: undefined }), 401);
    // The activity names another Connector API than the token: the bot's token would go there.
    await postActivity(w, org, { ...click, serviceUrl: 'https://evil.example/' }, undefined, 401);
    // Another org's valid token (its own audience) opens nothing here; nor an unknown or malformed org.
    await postActivity(w, { ...org, appId: other.appId }, click, undefined, 401);
    await postActivity(w, { ...org, messagesPath: `/channels/msteams/${randomUUID()}/messages` }, click, undefined, 401);
    await postActivity(w, { ...org, messagesPath: '/channels/msteams/not-a-uuid/messages' }, click, undefined, 401);

    expect(w.teams.calls.length).toBe(before);
    expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });
    // Turned off: its tokens no longer open anything.
    await org.admin.http().delete('/api/v1/org/msteams').expect(200);
    await postActivity(w, org, click, undefined, 401);
  });

  it('a GET, as a link preview or crawler makes, decides nothing', async () => {
    const org = await msteamsOrg(w);
    const alice = await linkedPerson(w, org);
    const id = await createRequest(w, org);
    await w.teams.until(() => cardsIn(w, alice.chatId, id).length === 1);
    const gl = actionToken(cardsIn(w, alice.chatId, id)[0]!, 'approve');
    await supertest(w.server.url).get(org.messagesPath).query({ gl }).set('authorization', `Bearer ${await connectorToken(w, org)}`).expect(404);
    await supertest(w.server.url).head(org.messagesPath).expect(404);
    expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });
  });

  it('a replayed click (the same signed activity again) decides nothing more', async () => {
    const org = await msteamsOrg(w);
    const alice = await linkedPerson(w, org);
    const id = await createRequest(w, org, { required_approvals: 2 });
    await w.teams.until(() => cardsIn(w, alice.chatId, id).length === 1);
    const click = invoke(w, alice.teamsId, alice.chatId, { gl: actionToken(cardsIn(w, alice.chatId, id)[0]!, 'approve') }, 'approve');
    const token = await connectorToken(w, org);
    expect(answerText(await postActivity(w, org, click, token))).toMatch(/recorded/);
    expect(answerText(await postActivity(w, org, click, token))).toMatch(/already used/);
    expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 1 });
  });

  it('an unlinked account, another person, another org, a forged action, a mismatched verb and a viewer decide nothing, told to the clicker alone', async () => {
    const org = await msteamsOrg(w);
    const other = await msteamsOrg(w);
    const alice = await linkedPerson(w, org);
    const bob = await linkedPerson(w, org);
    const mallory = await linkedPerson(w, other);
    const id = await createRequest(w, org);
    await w.teams.until(() => cardsIn(w, alice.chatId, id).length === 1 && cardsIn(w, bob.chatId, id).length === 1);
    await settled(w, id);
    const approve = actionToken(cardsIn(w, alice.chatId, id)[0]!, 'approve');
    const posts = w.teams.posts().length;

    const click = async (from: string, data: Record<string, unknown>, verb: string | undefined = 'approve', o = org) => answerText(await postActivity(w, o, invoke(w, from, 'a:somewhere', data, verb)));
    expect(await click('29:never-linked', { gl: approve })).toMatch(/not linked/);
    expect(await click(bob.teamsId, { gl: approve })).toMatch(/someone else/);
    expect(await click(mallory.teamsId, { gl: approve }, 'approve', other)).toMatch(/not one Greenlight sent you/);
    expect(await click(alice.teamsId, { gl: 'gl1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })).toMatch(/not one Greenlight sent you/);
    expect(await click(alice.teamsId, { gl: approve }, 'reject')).toMatch(/not one Greenlight sent you/);
    expect(await click(alice.teamsId, { nothing: true })).toMatch(/not one Greenlight sent you/);
    // Each refusal is the invoke's answer, shown to the clicker only: nothing posted in any conversation.
    expect(w.teams.posts().length).toBe(posts);

    await w.server.db.query("UPDATE memberships SET role = 'viewer' WHERE org_id = $1 AND user_id = $2", [org.seed.org.id, alice.id]);
    expect(await click(alice.teamsId, { gl: approve })).toMatch(/viewer/);
    expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });
  });

  it('a channel card decides only for a linked member asked, each once', async () => {
    const org = await msteamsOrg(w, { channel: true });
    const alice = await linkedPerson(w, org);
    const id = await createRequest(w, org, { required_approvals: 2 });
    await w.teams.until(() => cardsIn(w, org.channelId!, id).length === 1);
    const approve = actionToken(cardsIn(w, org.channelId!, id)[0]!, 'approve');
    const inChannel = (from: string) => invoke(w, from, org.channelId!, { gl: approve }, 'approve', false);
    expect(answerText(await postActivity(w, org, inChannel('29:stranger')))).toMatch(/not linked/);
    expect(answerText(await postActivity(w, org, inChannel(alice.teamsId)))).toMatch(/recorded/);
    expect(answerText(await postActivity(w, org, inChannel(alice.teamsId)))).toMatch(/already used/);
    expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 1 });
  });

  it("a linked member not asked (the step waits for someone else) decides nothing from the channel's card, and keeps the action", async () => {
    const org = await msteamsOrg(w, { channel: true });
    const bob = await linkedPerson(w, org);
    const carol = await linkedPerson(w, org);
    const flow = await org.admin
      .http()
      .post('/api/v1/flows')
      .send({ name: 'Deploy', steps: [{ approvers: { user_ids: [bob.id] } }] })
      .expect(201);
    const id = await createRequest(w, org, { flow_id: flow.body.id });
    await w.teams.until(() => cardsIn(w, org.channelId!, id).length === 1);
    const approve = actionToken(cardsIn(w, org.channelId!, id)[0]!, 'approve');
    expect(answerText(await postActivity(w, org, invoke(w, carol.teamsId, org.channelId!, { gl: approve }, 'approve', false)))).toMatch(/^Nothing was decided: /);
    expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });
    expect(answerText(await postActivity(w, org, invoke(w, bob.teamsId, org.channelId!, { gl: approve }, 'approve', false)))).toBe('Approved.');
  });

  it('under the emergency stop a click decides nothing, and the action works once the stop ends; after expiry nothing', async () => {
    const org = await msteamsOrg(w);
    const alice = await linkedPerson(w, org);
    const id = await createRequest(w, org);
    await w.teams.until(() => cardsIn(w, alice.chatId, id).length === 1);
    const click = invoke(w, alice.teamsId, alice.chatId, { gl: actionToken(cardsIn(w, alice.chatId, id)[0]!, 'approve') }, 'approve');
    await org.admin.http().patch('/api/v1/org').send({ emergency_stop: true }).expect(200);
    expect(answerText(await postActivity(w, org, click))).toMatch(/Nothing was decided: .*emergency stop/);
    expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });
    await org.admin.http().patch('/api/v1/org').send({ emergency_stop: false }).expect(200);
    expect(answerText(await postActivity(w, org, click))).toBe('Approved.');

    const late = await createRequest(w, org);
    await w.teams.until(() => cardsIn(w, alice.chatId, late).length === 1);
    await w.server.db.query("UPDATE approvals SET expires_at = now() - interval '1 second' WHERE id = $1", [late]);
    const res = await postActivity(w, org, invoke(w, alice.teamsId, alice.chatId, { gl: actionToken(cardsIn(w, alice.chatId, late)[0]!, 'approve') }, 'approve'));
    expect(answerText(res)).toMatch(/Nothing was decided/);
    expect((await statusOf(w, late)).votes).toBe(0);
  });

  it('a link code works once, only in a personal chat, and not after it expires; only a session makes one', async () => {
    const org = await msteamsOrg(w);
    const carol = await linkedPerson(w, org);
    const code = ((await carol.session.http().post('/api/v1/me/msteams/code').expect(201)).body as { code: string }).code;
    // A channel is not the person's own chat: ignored.
    await postActivity(w, org, activity(w, { type: 'message', from: '29:other-1', conversation: '19:chan@thread.tacv2', personal: false, text: `link ${code}` }));
    await postActivity(w, org, activity(w, { type: 'message', from: '29:other-1', conversation: 'a:p1', text: `link ${code}` }));
    await postActivity(w, org, activity(w, { type: 'message', from: '29:other-2', conversation: 'a:p2', text: `link ${code}` }));
    expect(String(w.teams.posts('a:p2').at(-1)!.body.text)).toMatch(/not valid/);
    const { rows } = await w.server.db.query<{ msteams_user_id: string }>('SELECT msteams_user_id FROM msteams_links WHERE org_id = $1 AND user_id = $2', [org.seed.org.id, carol.id]);
    expect(rows.map((r) => r.msteams_user_id)).toEqual(['29:other-1']);

    const late = ((await carol.session.http().post('/api/v1/me/msteams/code').expect(201)).body as { code: string }).code;
    await w.server.db.query("UPDATE msteams_link_codes SET expires_at = now() - interval '1 second' WHERE org_id = $1 AND used_at IS NULL", [org.seed.org.id]);
    await postActivity(w, org, activity(w, { type: 'message', from: '29:other-3', conversation: 'a:p3', text: `link ${late}` }));
    expect(String(w.teams.posts('a:p3').at(-1)!.body.text)).toMatch(/not valid/);
    // Anything else said to the bot is answered with how to link, as plain text.
    await postActivity(w, org, activity(w, { type: 'message', from: '29:other-4', conversation: 'a:p4', text: 'approve everything' }));
    expect(w.teams.posts('a:p4').at(-1)!.body).toMatchObject({ text: expect.stringMatching(/not linked/), textFormat: 'plain' });

    await w.server.http(org.seed.key).post('/api/v1/me/msteams/code').expect(403);
    await w.server.http(org.seed.key).put('/api/v1/org/msteams').send({ app_id: randomUUID(), app_password: 'x' }).expect(403);
  });
});
