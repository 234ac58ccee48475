/**
 * A push notification cannot render a form: for a request that needs an answer (or may be edited) it
 * carries no Approve action, says so, and a tap opens the request's page; Reject stays an action. The
 * approve token made with the notification's tokens (never sent) is refused if posted anyway, and
 * decides nothing.
 */
import { describe, expect, it } from 'vitest';
import { createRequest, postAction, pushesAbout, pushOrg, settled, statusOf, subscribedPerson, tokenOf, useWebPushWorld, type WebPushWorld } from '../../testing/webpush-world.ts';
import { secretKeys } from '../../security/sealed.ts';

let w: WebPushWorld;
useWebPushWorld((world) => (w = world));

const SCHEMA = { type: 'object', properties: { amount: { type: 'number' } }, required: ['amount'] };

describe('Web Push: requests that need an answer', () => {
  it.each([
    ['a response_schema its defaults do not answer', { response_schema: SCHEMA }, 'This request asks for an answer: open it to approve.'],
    ['editable fields', { editable: ['metadata.query'], metadata: { query: 'SELECT 1' } }, 'This request may be edited before it is approved: open it to approve.'],
  ])('%s: no Approve action; the body says so, a tap opens the page; the unsent approve token is refused; Reject works', async (_name, body, line) => {
    const org = await pushOrg(w);
    const alice = await subscribedPerson(w, org);
    const id = await createRequest(w, org, body);
    await w.push.until(() => pushesAbout(w, alice.devices[0]!, id).length === 1);
    await settled(w, id);
    const push = pushesAbout(w, alice.devices[0]!, id)[0]!;
    expect(push.actions.map((a) => a.action)).toEqual(['reject']);
    expect(push.body).toContain(line);
    expect(push.url).toBe(`/requests/${id}`);

    // The approve link made with this notification's (unsent) tokens, posted as if it had been.
    const { rows } = await w.server.db.query<{ token_sealed: string }>("SELECT token_sealed FROM decision_links WHERE approval_id = $1 AND user_id = $2 AND decision = 'approve'", [id, alice.id]);
    expect(rows).toHaveLength(1);
    const res = await postAction(w, secretKeys().open(rows[0]!.token_sealed)).expect(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringMatching(/asks for an answer: open it to approve/) });
    expect(await statusOf(w, id)).toEqual({ status: 'pending', votes: 0 });

    await postAction(w, tokenOf(push, 'reject')).expect(200);
    expect(await statusOf(w, id)).toEqual({ status: 'rejected', votes: 1 });
    await settled(w, id);
  });
});
