/**
 * Teams when things go wrong: an activity that is not JSON or not an activity is a 400 (once a bot and
 * a token are there); credentials Entra refuses are a 400 and nothing is stored; a Connector API that is
 * down or rate limited has its cards and updates retried by the outbox until it answers, none lost; a
 * conversation the bot is not in (403) fails the card for good.
 */
import { randomUUID } from 'node:crypto';
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { actionToken, answerText, cardsIn, connectorToken, createRequest, invoke, linkedPerson, msteamsOrg, postActivity, settled, statusOf, useMsTeamsWorld, type MsTeamsWorld } from '../../testing/msteams-world.ts';

let w: MsTeamsWorld;
useMsTeamsWorld((world) => (w = world), { GREENLIGHT_DELIVERY_SWEEP_MS: '100', GREENLIGHT_DELIVERY_SCHEDULE: '0,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms' });

const deliveries = async (id: string) =>
  (await w.server.db.query<{ kind: string; status: string; n: number }>("SELECT kind, status, count(*)::int AS n FROM deliveries WHERE approval_id = $1 AND channel = 'msteams' GROUP BY kind, status ORDER BY kind, status", [id])).rows;

describe('Teams errors', () => {
  it('a body that is not JSON, or not an activity, is a 400 in the error envelope; without a token, a 401 first', async () => {
    const org = await msteamsOrg(w);
    const post = async (body: string, token: string | null) => {
      const t = supertest(w.server.url).post(org.messagesPath).set('content-type', 'application/json');
      return (token ? t.set('authorization', `Bearer ${token}`) : t).send(body);
    };
    const token = await connectorToken(w, org);
    const bad = await post('{"type": "message",', token);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: 'VALIDATION_ERROR' } });
    expect((await post(JSON.stringify({ type: 'message', channelId: 'msteams' }), token)).status).toBe(400);
    expect((await post(JSON.stringify({ type: 'message', channelId: 'msteams', serviceUrl: 'javascript:alert(1)', from: { id: 'x' }, conversation: { id: 'y' } }), token)).status).toBe(400);
    expect((await post('{"type": "message",', null)).status).toBe(401);
    // An activity Greenlight does not use (the bot added to a team) is acknowledged.
    await postActivity(w, org, { type: 'conversationUpdate', channelId: 'msteams', serviceUrl: w.teams.serviceUrl, from: { id: '29:x' }, conversation: { id: '19:t@thread.tacv2', conversationType: 'channel' } });
  });

  it('credentials Entra refuses are a 400 and nothing is stored; a malformed app id is a 400', async () => {
    const org = await msteamsOrg(w);
    await org.admin.http().delete('/api/v1/org/msteams').expect(200);
    const res = await org.admin.http().put('/api/v1/org/msteams').send({ app_id: org.appId, app_password: 'wrong' }).expect(400);
    expect(res.body).toMatchObject({ error: { code: 'VALIDATION_ERROR', details: { location: 'body', issues: [{ path: 'app_password', code: 'refused' }] } } });
    expect(JSON.stringify(res.body)).not.toContain('wrong"');
    expect((await org.admin.http().get('/api/v1/org/msteams').expect(200)).body).toMatchObject({ configured: false });
    await org.admin.http().put('/api/v1/org/msteams').send({ app_id: 'not-a-guid', app_password: org.appPassword }).expect(400);
    await org.admin.http().put('/api/v1/org/msteams').send({ app_id: org.appId, app_password: org.appPassword, channel_id: 'general' }).expect(400);
    await org.admin.http().put('/api/v1/org/msteams').send({ app_id: randomUUID(), app_password: org.appPassword }).expect(400);
    // With no bot, no code: 409.
    await org.admin.http().post('/api/v1/me/msteams/code').expect(409);
  });

  it('with the Connector API down, cards and updates are retried until it is back; none is lost', async () => {
    const org = await msteamsOrg(w);
    const people = [await linkedPerson(w, org), await linkedPerson(w, org), await linkedPerson(w, org)];
    w.teams.setDown(true);
    const id = await createRequest(w, org);
    await w.teams.until(() => people.every((p) => cardsIn(w, p.chatId, id).length >= 2));
    w.teams.setDown(false);
    await settled(w, id);
    expect(await deliveries(id)).toEqual([{ kind: 'approval_request', status: 'delivered', n: 3 }]);
    const { rows: sent } = await w.server.db.query<{ n: number }>("SELECT count(*)::int AS n FROM sent_messages WHERE approval_id = $1 AND channel = 'msteams'", [id]);
    expect(sent[0]!.n).toBe(3);

    // The click arrives from Teams while the Connector API answers 502 to us: the decision stands, its updates wait.
    w.teams.setDown(true);
    const first = people[0]!;
    const card = cardsIn(w, first.chatId, id).at(-1)!;
    expect(answerText(await postActivity(w, org, invoke(w, first.teamsId, first.chatId, { gl: actionToken(card, 'approve') }, 'approve')))).toBe('Approved.');
    expect(await statusOf(w, id)).toMatchObject({ status: 'approved', votes: 1 });
    await w.teams.until(() => w.teams.updates().filter((u) => people.some((p) => p.chatId === u.conversationId)).length >= 3);
    w.teams.setDown(false);
    await settled(w, id);
    expect(await deliveries(id)).toEqual([
      { kind: 'approval_request', status: 'delivered', n: 3 },
      { kind: 'decision_update', status: 'delivered', n: 3 },
    ]);
  });

  it('a 429 is retried after its Retry-After; a 403 (the bot is not in the conversation) fails the card for good', async () => {
    const org = await msteamsOrg(w);
    const alice = await linkedPerson(w, org);
    w.teams.fail('POST', 429, 1, 0);
    const id = await createRequest(w, org);
    await w.teams.until(() => cardsIn(w, alice.chatId, id).length === 2);
    await settled(w, id);
    expect(await deliveries(id)).toEqual([{ kind: 'approval_request', status: 'delivered', n: 1 }]);

    w.teams.fail('POST', 403, 1);
    const blocked = await createRequest(w, org);
    await w.teams.until(() => cardsIn(w, alice.chatId, blocked).length === 1);
    await settled(w, blocked);
    expect(await deliveries(blocked)).toEqual([{ kind: 'approval_request', status: 'failed', n: 1 }]);
  });
});
