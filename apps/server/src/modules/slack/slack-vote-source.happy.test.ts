/**
 * Every vote records where it was cast, not only the one that finishes the request: a Slack click or
 * modal that leaves the request pending is recorded as `slack`, beside votes cast through the API and
 * by an email link.
 */
import { expect, it } from 'vitest';
import { channelPost, click, createRequest, slackOrg, statusOf, submitModal, useSlackWorld, type SlackWorld } from '../../testing/slack-world.ts';
import { sessionOf } from '../../testing/session.ts';
import { eventsOf } from '../../testing/decisions.ts';
import { confirmationForm, linkIn } from '../../testing/decision-links.ts';

let w: SlackWorld;

useSlackWorld((world) => (w = world));

interface Result {
  reviewer: { id: string };
  result: string;
  source: string | null;
}

async function resultsOf(key: string, id: string): Promise<Result[]> {
  return (await w.server.http(key).get(`/api/v1/approvals/${id}`).expect(200)).body.results;
}

async function storedSources(id: string): Promise<(string | null)[]> {
  const { rows } = await w.server.db.query<{ source: string | null }>('SELECT source FROM approval_votes WHERE approval_id = $1 ORDER BY created_at', [id]);
  return rows.map((r) => r.source);
}

it('a Slack vote records its channel: a click that completes nothing is kept as slack, and the votes after it as theirs', async () => {
  const org = await slackOrg(w, { dm: false });
  const id = await createRequest(w, org, { required_approvals: 3 });
  await w.slack.until(() => channelPost(w, id).length === 1);

  await click(w, { secret: org.secret, approvalId: id, slackUserId: org.alice.slackId, action: 'greenlight_approve' }).expect(200);
  expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 1 });
  expect(await resultsOf(org.seed.key, id)).toEqual([expect.objectContaining({ reviewer: expect.objectContaining({ id: org.alice.id }), result: 'approved', source: 'slack' })]);

  // The dashboard says where it decides; an API key that says nothing is `api`.
  const bob = await org.seed.addUser('approver');
  await (await sessionOf(w.server, org.seed, bob)).http().patch(`/api/v1/approvals/${id}`).send({ decision: 'approve', source: 'dashboard' }).expect(200);
  const other = await org.seed.newKey();
  await w.server.http(other.key).patch(`/api/v1/approvals/${id}`).send({ decision: 'approve' }).expect(200);

  expect((await resultsOf(org.seed.key, id)).map((r) => r.source)).toEqual(['slack', 'dashboard', 'api']);
  expect(await storedSources(id)).toEqual(['slack', 'dashboard', 'api']);
  expect(await statusOf(w, id)).toMatchObject({ status: 'approved', votes: 3 });
  // The trail says so too: each vote's event, and the decision's as the API caller gave it (nothing: null).
  const events = (await eventsOf(w.server, id)).filter((e) => e.type !== 'approval.created');
  expect(events.map((e) => [e.type, e.data.source])).toEqual([
    ['approval.vote_recorded', 'slack'],
    ['approval.vote_recorded', 'dashboard'],
    ['approval.approved', null],
  ]);
});

it('a vote from the Slack modal on a step of a run is recorded as slack on the step', async () => {
  const org = await slackOrg(w, { dm: false });
  const carol = await org.seed.addUser('approver');
  const id = await createRequest(w, org, { is_sequential: true });
  await w.server
    .http(org.seed.key)
    .post(`/api/v1/approvals/${id}/steps`)
    .send({ steps: [{ approver_id: org.alice.id, step_order: 1 }, { approver_id: carol.id, step_order: 2 }] })
    .expect(201);
  await submitModal(w, { secret: org.secret, approvalId: id, slackUserId: org.alice.slackId, decision: 'approve', comment: 'fine by me' }).expect(200);
  const a = (await w.server.http(org.seed.key).get(`/api/v1/approvals/${id}`).expect(200)).body;
  expect(a.status).toBe('pending');
  expect(a.run.steps[0].results).toEqual([expect.objectContaining({ reviewer: expect.objectContaining({ id: org.alice.id }), comment: 'fine by me', source: 'slack' })]);
  expect((await eventsOf(w.server, id)).find((e) => e.type === 'step.decided')!.data).toMatchObject({ step_order: 1, source: 'slack' });
});

it('a vote by an email link that completes nothing is recorded as email', async () => {
  const org = await slackOrg(w, { dm: false });
  const id = await createRequest(w, org, { required_approvals: 2 });
  await w.smtp.until(() => w.smtp.to(org.alice.email).some((m) => m.text.includes(id)));
  const mail = w.smtp.to(org.alice.email).find((m) => m.text.includes(id))!;
  await (await confirmationForm(w.server.url, linkIn(mail.text, 'Approve'))).submit().expect(303);
  expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 1 });
  expect((await resultsOf(org.seed.key, id)).map((r) => r.source)).toEqual(['email']);
  expect((await eventsOf(w.server, id)).find((e) => e.type === 'approval.vote_recorded')!.data).toMatchObject({ source: 'email' });
});
