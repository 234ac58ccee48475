/**
 * GitHub when things go wrong: a GitHub API that is down has the decision retried until it is back,
 * sent once, none lost; the emergency stop holds it until the stop ends, and refuses new events (503)
 * so GitHub's redelivery works afterwards; a review GitHub refuses for good (422) fails without
 * retries; bad events are 400 after the signature; credentials GitHub refuses store nothing.
 */
import { describe, expect, it } from 'vitest';
import { newGithubApp } from '../../testing/github.ts';
import { githubDeliveries, githubOrg, githubRequests, githubSettled, newDeployment, postEvent, protectionRuleEvent, useGithubWorld, type GithubWorld } from '../../testing/github-world.ts';

let w: GithubWorld;
useGithubWorld((world) => (w = world), { GREENLIGHT_DELIVERY_SWEEP_MS: '100', GREENLIGHT_DELIVERY_SCHEDULE: '0,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms' });

const reviewsOf = (runId: number) => w.github.reviews((c) => c.path.includes(`/runs/${runId}/`));
const attemptsAt = (runId: number) => w.github.calls.filter((c) => c.path.includes(`/runs/${runId}/`) || c.path.endsWith('/access_tokens'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function deliveryStatus(approvalId: string, done: (s: string) => boolean): Promise<string> {
  for (const end = Date.now() + 10_000; ; await sleep(25)) {
    const [row] = await githubDeliveries(w, approvalId);
    if ((row && done(row.status)) || Date.now() > end) return row?.status ?? 'none';
  }
}

describe('GitHub errors', () => {
  it('with the GitHub API down, the decision is retried until it is back, and sent once', async () => {
    const org = await githubOrg(w);
    const d = newDeployment(w);
    await postEvent(w, org, 'deployment_protection_rule', protectionRuleEvent(d)).expect(200);
    const [req] = await githubRequests(w, org);
    w.github.setDown(true);
    const before = w.github.calls.length;
    await org.admin.http().patch(`/api/v1/approvals/${req!.id}`).send({ decision: 'approve', comment: 'go' }).expect(200);
    // At least three attempts fail while GitHub answers 503.
    await w.github.until(() => w.github.calls.slice(before).filter((c) => c.status === 503).length >= 3);
    expect((await githubDeliveries(w, req!.id))[0]!.status).toMatch(/pending|delivering/);
    w.github.setDown(false);
    await w.github.until(() => reviewsOf(d.runId).length === 1);
    await githubSettled(w, req!.id);
    const [row] = await githubDeliveries(w, req!.id);
    expect(row!.status).toBe('delivered');
    expect(row!.attempts).toBeGreaterThanOrEqual(4);
    expect(reviewsOf(d.runId)).toHaveLength(1);
    expect(reviewsOf(d.runId)[0]!.body).toMatchObject({ environment_name: 'production', state: 'approved' });
    const { rows } = await w.server.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM delivery_attempts t JOIN deliveries d ON d.id = t.delivery_id WHERE d.approval_id = $1 AND d.channel = 'github'",
      [req!.id],
    );
    expect(rows[0]!.n).toBe(row!.attempts);
  });

  it('the emergency stop holds the review until it ends, then it is sent once', async () => {
    const org = await githubOrg(w);
    const d = newDeployment(w);
    await postEvent(w, org, 'deployment_protection_rule', protectionRuleEvent(d)).expect(200);
    const [req] = await githubRequests(w, org);
    // GitHub refuses until the stop is on, so the review is still queued when the stop comes.
    w.github.setDown(true);
    await org.admin.http().patch(`/api/v1/approvals/${req!.id}`).send({ decision: 'reject' }).expect(200);
    await w.github.until(() => attemptsAt(d.runId).some((c) => c.status === 503));
    await org.admin.http().patch('/api/v1/org').send({ emergency_stop: true }).expect(200);
    await deliveryStatus(req!.id, (s) => s !== 'delivering');
    w.github.setDown(false);
    const seen = w.github.calls.length;
    // The held row is due all along and the workers sweep every 100 ms: six sweeps pass, nothing is sent or dropped.
    await sleep(600);
    expect(w.github.calls.length).toBe(seen);
    expect((await githubDeliveries(w, req!.id))[0]!.status).toBe('pending');

    // While stopped, a new event is refused (503) and not recorded: GitHub's redelivery works after.
    const late = newDeployment(w);
    const delivery = 'b0c5f6c0-0000-4000-8000-000000000001';
    const stopped = await postEvent(w, org, 'deployment_protection_rule', protectionRuleEvent(late), { delivery }).expect(503);
    expect(stopped.body.error).toMatchObject({ code: 'EMERGENCY_STOP' });
    expect(await githubRequests(w, org)).toHaveLength(1);

    await org.admin.http().patch('/api/v1/org').send({ emergency_stop: false }).expect(200);
    await w.github.until(() => reviewsOf(d.runId).length === 1);
    await githubSettled(w, req!.id);
    expect(reviewsOf(d.runId)).toHaveLength(1);
    expect(reviewsOf(d.runId)[0]!.body).toMatchObject({ state: 'rejected' });
    await postEvent(w, org, 'deployment_protection_rule', protectionRuleEvent(late), { delivery }).expect(200);
    expect(await githubRequests(w, org)).toHaveLength(2);
  });

  it('a review GitHub refuses for good (422: the run no longer waits) fails without retries', async () => {
    const org = await githubOrg(w);
    const d = newDeployment(w);
    await postEvent(w, org, 'deployment_protection_rule', protectionRuleEvent(d)).expect(200);
    const [req] = await githubRequests(w, org);
    w.github.fail(`/runs/${d.runId}/deployment_protection_rule`, 422);
    await org.admin.http().patch(`/api/v1/approvals/${req!.id}`).send({ decision: 'approve' }).expect(200);
    expect(await deliveryStatus(req!.id, (s) => s === 'failed')).toBe('failed');
    expect(await githubDeliveries(w, req!.id)).toEqual([{ status: 'failed', attempts: 1 }]);
    expect(reviewsOf(d.runId)).toHaveLength(0);
  });

  it('a rate limit (429 with Retry-After) is retried, then sent', async () => {
    const org = await githubOrg(w);
    const d = newDeployment(w);
    await postEvent(w, org, 'deployment_protection_rule', protectionRuleEvent(d)).expect(200);
    const [req] = await githubRequests(w, org);
    w.github.fail(`/runs/${d.runId}/deployment_protection_rule`, 429, 1, { 'retry-after': '1' });
    await org.admin.http().patch(`/api/v1/approvals/${req!.id}`).send({ decision: 'approve' }).expect(200);
    await w.github.until(() => reviewsOf(d.runId).length === 1);
    await githubSettled(w, req!.id);
    expect(await githubDeliveries(w, req!.id)).toEqual([{ status: 'delivered', attempts: 2 }]);
  });

  it('after the signature: a body that is not JSON, an event without its fields, or without the headers is a 400; other events are acknowledged', async () => {
    const org = await githubOrg(w);
    expect((await postEvent(w, org, 'deployment_protection_rule', '{"action": "requested",').expect(400)).body.error).toMatchObject({ code: 'VALIDATION_ERROR' });
    await postEvent(w, org, 'deployment_protection_rule', { action: 'requested', environment: 'x' }).expect(400);
    await postEvent(w, org, 'deployment_protection_rule', protectionRuleEvent(newDeployment(w)), { delivery: 'not a delivery id!' }).expect(400);
    await postEvent(w, org, 'workflow_run', { action: 'completed', workflow_run: { id: 'x' } }).expect(400);
    await postEvent(w, org, 'push', { ref: 'refs/heads/main' }).expect(200);
    await postEvent(w, org, 'deployment_protection_rule', { ...protectionRuleEvent(newDeployment(w)), action: 'something_else' }).expect(200);
    expect(await githubRequests(w, org)).toEqual([]);
    // Over the body limit: 413, whatever the signature.
    await postEvent(w, org, 'push', { big: 'x'.repeat(1_100_000) }).expect(413);
  });

  it('credentials GitHub refuses are a 400 and nothing is stored; a key that is not one is a 400', async () => {
    const org = await githubOrg(w);
    await org.admin.http().delete('/api/v1/org/github').expect(200);
    const other = newGithubApp();
    const wrongKey = await org.admin.http().put('/api/v1/org/github').send({ app_id: w.github.app.appId, private_key: other.privateKey, webhook_secret: 's'.repeat(20) }).expect(400);
    expect(wrongKey.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { location: 'body', issues: [{ path: 'app_id', code: 'refused' }] } });
    await org.admin.http().put('/api/v1/org/github').send({ app_id: w.github.app.appId + 1, private_key: w.github.app.privateKey, webhook_secret: 's'.repeat(20) }).expect(400);
    await org.admin.http().put('/api/v1/org/github').send({ app_id: w.github.app.appId, private_key: 'not a key', webhook_secret: 's'.repeat(20) }).expect(400);
    await org.admin
      .http()
      .put('/api/v1/org/github')
      .send({ app_id: w.github.app.appId, private_key: '-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n', webhook_secret: 's'.repeat(20) })
      .expect(400);
    await org.admin.http().put('/api/v1/org/github').send({ app_id: w.github.app.appId, private_key: w.github.app.privateKey, webhook_secret: 'short' }).expect(400);
    expect((await org.admin.http().get('/api/v1/org/github').expect(200)).body).toMatchObject({ configured: false, app_id: null });
    // Removed: its events are refused.
    await postEvent(w, org, 'deployment_protection_rule', protectionRuleEvent(newDeployment(w))).expect(401);
    const { rows } = await w.server.db.query<{ type: string }>("SELECT type FROM audit_log WHERE org_id = $1 AND type LIKE 'github.%' ORDER BY id", [org.seed.org.id]);
    expect(rows.map((r) => r.type)).toEqual(['github.configured', 'github.removed']);
  });
});
