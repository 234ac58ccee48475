/**
 * A Slack message to a person shows the buttons the server's rules allow that person (viewer_can),
 * and otherwise why not; a channel's message keeps its buttons (each click is checked as whoever
 * clicked) and names nobody as asked. Against the Slack stand-in, with clicks signed as Slack signs.
 */
import { describe, expect, it } from 'vitest';
import { blocksOf, channelPost, click, createRequest, settled, slackOrg, statusOf, useSlackWorld, type SlackWorld } from '../../testing/slack-world.ts';
import type { SlackCall } from '../../testing/slack.ts';
import { approvalMessage } from './slack-messages.ts';

let w: SlackWorld;
useSlackWorld((world) => (w = world));

const buttonsOf = (c: Pick<SlackCall, 'args'>): string[] =>
  blocksOf(c as SlackCall, 'actions').flatMap((b) => (b.elements as { action_id: string }[]).map((e) => e.action_id));

describe('Slack messages follow viewer_can', () => {
  it('under admin_only, an approver is not asked (no direct message); an admin’s has the buttons; the channel keeps them and claims nobody', async () => {
    const org = await slackOrg(w);
    await org.admin.http().patch('/api/v1/org').send({ resolve_policy: 'admin_only' }).expect(200);
    const ada = await org.seed.addUser('admin', `ada-${org.seed.org.slug}@example.test`);
    w.slack.addUser({ id: `UADA${org.alice.slackId}`, email: ada.email });

    const id = await createRequest(w, org, { title: 'Rotate the keys' });
    const dmTo = (slackId: string) => w.slack.of('chat.postMessage', (c) => c.args.channel === slackId && JSON.stringify(c.args.blocks).includes(id));
    await w.slack.until(() => dmTo(`UADA${org.alice.slackId}`).length === 1 && channelPost(w, id).length === 1);
    await settled(w, id);

    // Who is asked is who may decide: only admins, so the approver gets no direct message at all.
    expect(dmTo(org.alice.slackId)).toEqual([]);

    // The admin may also give a standing grant with the approval (viewer_can.grant), in their own message only.
    expect(buttonsOf(dmTo(`UADA${org.alice.slackId}`)[0]!)).toEqual(['greenlight_approve', 'greenlight_approve_grant', 'greenlight_reject', 'greenlight_comment', 'greenlight_open']);

    const post = channelPost(w, id)[0]!;
    expect(buttonsOf(post)).toEqual(['greenlight_approve', 'greenlight_reject', 'greenlight_comment', 'greenlight_open']);
    expect(JSON.stringify(post.args)).not.toMatch(/your decision|Waiting for|Only admins/);

    // The channel's button is checked as whoever clicks it: alice is refused with the rule's words, the admin decides.
    await click(w, { secret: org.secret, approvalId: id, slackUserId: org.alice.slackId, action: 'greenlight_approve' }).expect(200);
    expect(String(w.slack.of('chat.postEphemeral', (c) => c.args.user === org.alice.slackId).at(-1)!.args.text)).toMatch(/admin/i);
    expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });
    await click(w, { secret: org.secret, approvalId: id, slackUserId: `UADA${org.alice.slackId}`, action: 'greenlight_approve' }).expect(200);
    expect(await statusOf(w, id)).toMatchObject({ status: 'approved', votes: 1, decided_by: ada.id });
  });

  it('an approver asked as usual gets the buttons in their direct message', async () => {
    const org = await slackOrg(w);
    const id = await createRequest(w, org);
    await w.slack.until(() => w.slack.of('chat.postMessage', (c) => c.args.channel === org.alice.slackId && JSON.stringify(c.args.blocks).includes(id)).length === 1);
    const dm = w.slack.of('chat.postMessage', (c) => c.args.channel === org.alice.slackId && JSON.stringify(c.args.blocks).includes(id))[0]!;
    expect(buttonsOf(dm)).toEqual(['greenlight_approve', 'greenlight_approve_grant', 'greenlight_reject', 'greenlight_comment', 'greenlight_open']);
    expect(JSON.stringify(dm.args.blocks)).not.toContain('greenlight_refusal');
  });
});

describe('approvalMessage', () => {
  const approval = { id: '00000000-0000-4000-8000-000000000001', title: 'T', description: '', priority: 'low' as const, requested_by_name: null, expires_at: null, changes: null, action_type: null, response_schema: null, editable: [] };
  const base = { approval, orgName: 'Acme', openUrl: 'https://greenlight.example.test/requests/1' };

  it.each([
    ['to a person refused', { decide: { allowed: false, reason: 'Waiting for team Oncall', steps: [], approve: { allowed: false, reason: 'Waiting for team Oncall' } } }, ['greenlight_open'], '⏳ Waiting for team Oncall'],
    ['to a person who may reject only', { decide: { allowed: true, steps: [], approve: { allowed: false, reason: 'You stand in for the requester, who may not approve this' } } }, ['greenlight_reject', 'greenlight_comment', 'greenlight_open'], 'You stand in for the requester'],
    ['to a person allowed', { decide: { allowed: true, steps: [], approve: { allowed: true } } }, ['greenlight_approve', 'greenlight_reject', 'greenlight_comment', 'greenlight_open'], null],
    ['to a channel', {}, ['greenlight_approve', 'greenlight_reject', 'greenlight_comment', 'greenlight_open'], null],
    [
      'to a person who may also give a grant',
      { decide: { allowed: true, steps: [], approve: { allowed: true } }, grant: { allowed: true } },
      ['greenlight_approve', 'greenlight_approve_grant', 'greenlight_reject', 'greenlight_comment', 'greenlight_open'],
      'Approve and the same for the next hour',
    ],
    [
      'to a person who may approve but not give a grant',
      { decide: { allowed: true, steps: [], approve: { allowed: true } }, grant: { allowed: false, reason: 'A critical request never goes without a person' } },
      ['greenlight_approve', 'greenlight_reject', 'greenlight_comment', 'greenlight_open'],
      null,
    ],
  ])('%s', (_name, input, buttons, says) => {
    const m = approvalMessage({ ...base, ...input });
    expect(buttonsOf({ args: { blocks: m.blocks } })).toEqual(buttons);
    if (says) expect(JSON.stringify(m.blocks)).toContain(says);
    else expect(JSON.stringify(m.blocks)).not.toContain('greenlight_refusal');
  });

  it('a reminder says "your decision" only to a person who may decide', () => {
    const allowed = approvalMessage({ ...base, reminder: true, decide: { allowed: true, steps: [], approve: { allowed: true } } });
    const refused = approvalMessage({ ...base, reminder: true, decide: { allowed: false, reason: 'Waiting for Bob', steps: [], approve: { allowed: false, reason: 'Waiting for Bob' } } });
    const channel = approvalMessage({ ...base, reminder: true });
    expect(JSON.stringify(allowed.blocks)).toContain('still waits for your decision');
    expect(JSON.stringify(refused.blocks)).toContain('still waits for a decision');
    expect(JSON.stringify(channel.blocks)).not.toContain('your decision');
  });
});
