/**
 * Teams against a local stand-in of Microsoft's side: connecting checks the credentials with the token
 * endpoint and seals the secret; a member links by `link <code>` in a personal chat; each linked person
 * asked, and the org's channel, get the request as an Adaptive Card; a signed card action decides once
 * (source `msteams`) and is answered to the clicker; a decision made anywhere updates every card in place.
 */
import { describe, expect, it } from 'vitest';
import {
  actionToken,
  activity,
  answerText,
  cardOf,
  cardsIn,
  cardText,
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

const addresses = async (id: string) =>
  (await w.server.db.query<{ address: { conversation_id: string; activity_id: string }; recipient_user_id: string | null }>("SELECT address, recipient_user_id FROM sent_messages WHERE approval_id = $1 AND channel = 'msteams'", [id])).rows;

describe('Microsoft Teams', () => {
  it('connecting checks the credentials with Entra and seals the secret; the answer holds no secret', async () => {
    const org = await msteamsOrg(w, { channel: true });
    const res = await org.admin.http().get('/api/v1/org/msteams').expect(200);
    expect(res.body).toMatchObject({ configured: true, app_id: org.appId, app_password: { configured: true }, channel_id: org.channelId, messaging_endpoint: expect.stringContaining(org.messagesPath) });
    expect(JSON.stringify(res.body)).not.toContain(org.appPassword);
    expect(w.teams.tokenRequests.filter((t) => t.clientId === org.appId)).toEqual([{ clientId: org.appId, scope: 'https://api.botframework.com/.default' }]);
    const { rows } = await w.server.db.query<{ app_password: string }>('SELECT app_password FROM msteams_settings WHERE org_id = $1', [org.seed.org.id]);
    expect(rows[0]!.app_password).not.toContain(org.appPassword);
    expect((await org.admin.http().get('/api/v1/me').expect(200)).body.notifications).toMatchObject({ msteams: true });
  });

  it('a linked approver and the channel get the card; a click approves once; every card is updated in place', async () => {
    const org = await msteamsOrg(w, { channel: true });
    const alice = await linkedPerson(w, org);
    expect((await alice.session.http().get('/api/v1/me/msteams').expect(200)).body).toMatchObject({ linked: true, msteams_name: `Person ${alice.teamsId}` });
    const linkedReply = w.teams.posts(alice.chatId).at(-1)!;
    expect(linkedReply.body.text).toMatch(/^Linked/);
    expect(linkedReply.activityId).toMatch(/^act-/);

    const id = await createRequest(w, org, { title: 'Rotate **keys** [now](http://evil.example)', description: '<at>everyone</at> _care_' });
    await w.teams.until(() => cardsIn(w, alice.chatId, id).length === 1 && cardsIn(w, org.channelId!, id).length === 1);
    await settled(w, id);
    const sent = cardsIn(w, alice.chatId, id)[0]!;
    expect(sent.authorization).toMatch(/^Bearer /);
    const card = cardOf(sent);
    expect(card.body[0]).toEqual({ type: 'RichTextBlock', inlines: [{ type: 'TextRun', text: 'Rotate **keys** [now](http://evil.example)', weight: 'Bolder', size: 'Medium' }] });
    expect(cardText(sent)).toContain('Priority: high');
    expect(cardText(sent)).toContain('<at>everyone</at> _care_');
    expect(card.actions!.map((a) => a.title)).toEqual(['Approve', 'Reject', 'Comment', 'Open in Greenlight']);
    const approve = actionToken(sent, 'approve');
    expect(approve).not.toContain(id);
    expect(approve).not.toBe(actionToken(sent, 'reject'));
    // The channel's card has its own tokens.
    expect(actionToken(cardsIn(w, org.channelId!, id)[0]!, 'approve')).not.toBe(approve);

    const res = await postActivity(w, org, invoke(w, alice.teamsId, alice.chatId, { gl: approve, comment: 'fine by me' }, 'approve'));
    expect(res.body).toEqual({ statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: 'Approved.' });
    expect(await statusOf(w, id)).toMatchObject({ status: 'approved', votes: 1 });
    const { rows } = await w.server.db.query<{ source: string; comment: string | null }>('SELECT source, comment FROM approval_votes WHERE approval_id = $1', [id]);
    expect(rows).toEqual([{ source: 'msteams', comment: 'fine by me' }]);

    const sentCards = await addresses(id);
    expect(sentCards).toHaveLength(2);
    await w.teams.until(() => sentCards.every((m) => w.teams.updates(m.address.conversation_id).some((u) => u.activityId === m.address.activity_id)));
    for (const m of sentCards) {
      const update = w.teams.updates(m.address.conversation_id).find((u) => u.activityId === m.address.activity_id)!;
      expect(cardText(update)).toMatch(/Approved by/);
      expect(cardOf(update).actions!.map((a) => a.type)).toEqual(['Action.OpenUrl']);
    }

    // The other action of the same card decides nothing more.
    const again = await postActivity(w, org, invoke(w, alice.teamsId, alice.chatId, { gl: actionToken(sent, 'reject') }, 'reject'));
    expect(answerText(again)).toMatch(/Nothing was decided/);
    expect(await statusOf(w, id)).toMatchObject({ status: 'approved', votes: 1 });
  });

  it("a linked member decides from the channel's card; Comment adds a comment", async () => {
    const org = await msteamsOrg(w, { channel: true });
    const bob = await linkedPerson(w, org);
    const id = await createRequest(w, org);
    await w.teams.until(() => cardsIn(w, org.channelId!, id).length === 1);
    const posted = cardsIn(w, org.channelId!, id)[0]!;
    const said = await postActivity(w, org, invoke(w, bob.teamsId, org.channelId!, { gl: actionToken(posted, 'comment'), comment: 'Checking with <b>ops</b>' }, 'comment', false));
    expect(answerText(said)).toBe('Your comment is added.');
    const comments = await bob.session.http().get(`/api/v1/approvals/${id}/comments`).expect(200);
    expect(comments.body.data).toMatchObject([{ body: 'Checking with <b>ops</b>' }]);
    const decided = await postActivity(w, org, invoke(w, bob.teamsId, org.channelId!, { gl: actionToken(posted, 'reject') }, 'reject', false));
    expect(answerText(decided)).toBe('Rejected.');
    expect(await statusOf(w, id)).toMatchObject({ status: 'rejected', votes: 1 });
  });

  it("an Action.Submit click decides too; its answer goes to the clicker's personal chat, never to the channel", async () => {
    const org = await msteamsOrg(w, { channel: true });
    const bob = await linkedPerson(w, org);
    const id = await createRequest(w, org);
    await w.teams.until(() => cardsIn(w, org.channelId!, id).length === 1 && cardsIn(w, bob.chatId, id).length === 1);
    await settled(w, id);
    const inChannel = w.teams.posts(org.channelId!).length;
    const gl = actionToken(cardsIn(w, org.channelId!, id)[0]!, 'approve');
    await postActivity(w, org, activity(w, { type: 'message', from: bob.teamsId, conversation: org.channelId!, personal: false, value: { gl, comment: 'ok' } }));
    expect(await statusOf(w, id)).toMatchObject({ status: 'approved', votes: 1 });
    await w.teams.until(() => w.teams.posts(bob.chatId).some((c) => c.body.text === 'Approved.'));
    expect(w.teams.posts(org.channelId!).length).toBe(inChannel);
  });

  it('a decision made in the API updates every Teams card of the request', async () => {
    const org = await msteamsOrg(w);
    const alice = await linkedPerson(w, org);
    const bob = await linkedPerson(w, org);
    const id = await createRequest(w, org);
    await w.teams.until(() => cardsIn(w, alice.chatId, id).length === 1 && cardsIn(w, bob.chatId, id).length === 1);
    await settled(w, id);
    await org.admin.http().patch(`/api/v1/approvals/${id}`).send({ decision: 'reject', comment: 'no' }).expect(200);
    const sentCards = await addresses(id);
    expect(sentCards).toHaveLength(2);
    await w.teams.until(() => sentCards.every((m) => w.teams.updates(m.address.conversation_id).some((u) => u.activityId === m.address.activity_id)));
    for (const m of sentCards) expect(cardText(w.teams.updates(m.address.conversation_id).find((u) => u.activityId === m.address.activity_id)!)).toMatch(/Rejected by/);
  });

  it('a member unlinks; their account then decides nothing; linking and unlinking are in the audit log, by the member', async () => {
    const org = await msteamsOrg(w);
    const alice = await linkedPerson(w, org);
    const id = await createRequest(w, org);
    await w.teams.until(() => cardsIn(w, alice.chatId, id).length === 1);
    await alice.session.http().delete('/api/v1/me/msteams').expect(200, { linked: false, msteams_name: null, linked_at: null });
    const res = await postActivity(w, org, invoke(w, alice.teamsId, alice.chatId, { gl: actionToken(cardsIn(w, alice.chatId, id)[0]!, 'approve') }, 'approve'));
    expect(answerText(res)).toMatch(/not linked/);
    expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });
    await alice.session.http().delete('/api/v1/me/msteams').expect(200);
    const log = await org.admin.http().get('/api/v1/audit-log').query({ page_size: 100 }).expect(200);
    const mine = (log.body.data as { type: string; actor: { id: string | null }; target: { id: string } | null; details: Record<string, unknown> }[])
      .filter((e) => e.type.startsWith('msteams.') && e.target?.id === alice.id)
      .map((e) => ({ type: e.type, actor: e.actor.id, name: e.details.msteams_name }));
    expect(mine.sort((a, b) => a.type.localeCompare(b.type))).toEqual([
      { type: 'msteams.linked', actor: alice.id, name: `Person ${alice.teamsId}` },
      { type: 'msteams.unlinked', actor: alice.id, name: `Person ${alice.teamsId}` },
    ]);
  });
});
