/**
 * Slack buttons on a request the org's step-up setting covers: a Slack account is no passkey-confirmed
 * session, so a click decides nothing and the clicker alone is told to open the request's page on the
 * dashboard; a direct message about a covered request offers only that page.
 */
import { describe, expect, it } from 'vitest';
import { blocksOf, channelPost, click, createRequest, slackOrg, statusOf, useSlackWorld, type SlackWorld } from '../../testing/slack-world.ts';
import type { SlackCall } from '../../testing/slack.ts';

let w: SlackWorld;
useSlackWorld((world) => (w = world));

const buttonsOf = (c: SlackCall): string[] => blocksOf(c, 'actions').flatMap((b) => (b.elements as { action_id: string }[]).map((e) => e.action_id));

describe('Slack and the step-up setting', () => {
  it("a channel message's button on a covered request decides nothing and answers with the page's link", async () => {
    const org = await slackOrg(w);
    await org.admin.http().put('/api/v1/org/step-up').send({ priorities: ['critical'], action_types: [] }).expect(200);
    const id = await createRequest(w, org, { priority: 'critical' });
    await w.slack.until(() => channelPost(w, id).length === 1);
    const toldAlice = () => w.slack.of('chat.postEphemeral', (c) => c.args.user === org.alice.slackId && String(c.args.text).includes(id)).length;
    for (const action of ['greenlight_approve', 'greenlight_reject']) {
      const n = toldAlice();
      await click(w, { secret: org.secret, approvalId: id, slackUserId: org.alice.slackId, action }).expect(200);
      await w.slack.until(() => toldAlice() === n + 1);
      const told = String(w.slack.of('chat.postEphemeral', (c) => c.args.user === org.alice.slackId).at(-1)!.args.text);
      expect(told).toMatch(/^Nothing was decided: this needs your passkey/);
      expect(told).toContain(`${w.server.deps.config.publicUrl}/requests/${id}`);
    }
    expect(await statusOf(w, id)).toMatchObject({ status: 'pending', votes: 0 });

    // A request of another priority is decided by the same button as before.
    const other = await createRequest(w, org, { priority: 'high' });
    await click(w, { secret: org.secret, approvalId: other, slackUserId: org.alice.slackId, action: 'greenlight_approve' }).expect(200);
    expect(await statusOf(w, other)).toMatchObject({ status: 'approved', votes: 1 });
  });

  it('a direct message about a covered request offers only the page, with the reason', async () => {
    const org = await slackOrg(w);
    await org.admin.http().put('/api/v1/org/step-up').send({ priorities: ['critical'], action_types: [] }).expect(200);
    const id = await createRequest(w, org, { priority: 'critical' });
    const dm = () => w.slack.of('chat.postMessage', (c) => c.args.channel === org.alice.slackId && JSON.stringify(c.args.blocks).includes(id));
    await w.slack.until(() => dm().length === 1);
    expect(buttonsOf(dm()[0]!)).toEqual(['greenlight_open']);
    expect(JSON.stringify(dm()[0]!.args.blocks)).toContain('Confirm with your passkey');
  });
});
