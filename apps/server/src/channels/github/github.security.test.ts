/**
 * What a GitHub event must prove before it changes anything, and where the app's token may go:
 * forged, unsigned, tampered and other-org events are refused (401) and create nothing; a replayed
 * delivery id and a redelivered event (new id, same deployment) create no second request; a callback
 * URL outside GREENLIGHT_GITHUB_API_URL is refused at intake and never called at delivery.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { githubSignature } from '../../testing/github.ts';
import { githubDeliveries, githubOrg, githubRequests, githubSettled, newDeployment, postEvent, protectionRuleEvent, useGithubWorld, type GithubWorld } from '../../testing/github-world.ts';
import { seedOrg } from '../../testing/harness.ts';

let w: GithubWorld;
useGithubWorld((world) => (w = world));

const reviewsOf = (runId: number) => w.github.reviews((c) => c.path.includes(`/runs/${runId}/`));

describe('GitHub event verification', () => {
  it('forged, unsigned and tampered events are refused with 401 and create nothing', async () => {
    const org = await githubOrg(w);
    const d = newDeployment(w);
    const body = JSON.stringify(protectionRuleEvent(d));
    const refused = [
      await postEvent(w, org, 'deployment_protection_rule', body, { secret: 'not-the-secret-of-this-app' }),
      await postEvent(w, org, 'deployment_protection_rule', body, { secret: null }),
      // Signed, then changed on the way: the signature is over other bytes.
      await (async () => {
        const t = postEvent(w, org, 'deployment_protection_rule', body.replace('production', 'staging'), { secret: null });
        return t.set('X-Hub-Signature-256', githubSignature(org.secret, body));
      })(),
      // The old SHA-1 header alone is not enough.
      await postEvent(w, org, 'deployment_protection_rule', body, { secret: null }).set('X-Hub-Signature', 'sha1=0000000000000000000000000000000000000000'),
      await postEvent(w, org, 'deployment_protection_rule', body, { secret: null }).set('X-Hub-Signature-256', 'sha256=zz'),
    ];
    for (const res of refused) {
      expect(res.status).toBe(401);
      expect(res.body.error).toMatchObject({ code: 'UNAUTHORIZED' });
    }
    expect(await githubRequests(w, org)).toEqual([]);
    const { rows } = await w.server.db.query('SELECT 1 FROM github_webhook_deliveries WHERE org_id = $1', [org.seed.org.id]);
    expect(rows).toEqual([]);
  });

  it("an event signed with one org's secret is refused at another org's URL; unknown orgs and orgs without an app are 401", async () => {
    const a = await githubOrg(w);
    const b = await githubOrg(w);
    const d = newDeployment(w);
    await postEvent(w, a, 'deployment_protection_rule', protectionRuleEvent(d), { path: b.webhookPath }).expect(401);
    const bare = await seedOrg(w.server.db);
    await postEvent(w, a, 'deployment_protection_rule', protectionRuleEvent(d), { path: `/integrations/github/${bare.org.id}/webhook` }).expect(401);
    await postEvent(w, a, 'deployment_protection_rule', protectionRuleEvent(d), { path: `/integrations/github/${randomUUID()}/webhook` }).expect(401);
    await postEvent(w, a, 'deployment_protection_rule', protectionRuleEvent(d), { path: '/integrations/github/not-an-org/webhook' }).expect(401);
    expect(await githubRequests(w, a)).toEqual([]);
    expect(await githubRequests(w, b)).toEqual([]);
    // The same event at its own org's URL is taken.
    await postEvent(w, a, 'deployment_protection_rule', protectionRuleEvent(d)).expect(200);
    expect(await githubRequests(w, a)).toHaveLength(1);
    expect(await githubRequests(w, b)).toEqual([]);
  });

  it('a replayed delivery id changes nothing, before and after the decision', async () => {
    const org = await githubOrg(w);
    const d = newDeployment(w);
    const delivery = randomUUID();
    await postEvent(w, org, 'deployment_protection_rule', protectionRuleEvent(d), { delivery }).expect(200);
    const again = await postEvent(w, org, 'deployment_protection_rule', protectionRuleEvent(d), { delivery }).expect(200);
    expect(again.body).toEqual({ handled: 'duplicate' });
    const [req] = await githubRequests(w, org);
    await org.admin.http().patch(`/api/v1/approvals/${req!.id}`).send({ decision: 'approve' }).expect(200);
    await w.github.until(() => reviewsOf(d.runId).length === 1);
    await githubSettled(w, req!.id);
    // Replayed once decided, even with another body under the same id: still the one request, one review.
    await postEvent(w, org, 'deployment_protection_rule', protectionRuleEvent(d, { environment: 'other' }), { delivery }).expect(200);
    expect(await githubRequests(w, org)).toHaveLength(1);
    expect(reviewsOf(d.runId)).toHaveLength(1);
    expect(await githubDeliveries(w, req!.id)).toEqual([{ status: 'delivered', attempts: 1 }]);
  });

  it('a redelivered event (new delivery id, same run, environment and deployment) creates no second request', async () => {
    const org = await githubOrg(w);
    const d = newDeployment(w);
    const first = await postEvent(w, org, 'deployment_protection_rule', protectionRuleEvent(d)).expect(200);
    const second = await postEvent(w, org, 'deployment_protection_rule', protectionRuleEvent(d)).expect(200);
    // Two deliveries at once: the create's idempotency key makes them one request.
    const [third, fourth] = await Promise.all([
      postEvent(w, org, 'deployment_protection_rule', protectionRuleEvent(d)),
      postEvent(w, org, 'deployment_protection_rule', protectionRuleEvent(d)),
    ]);
    expect(first.body.handled).toBe('created');
    expect(second.body).toEqual({ handled: 'existing', approval_id: first.body.approval_id });
    expect([third!.status, fourth!.status]).toEqual([200, 200]);
    const reqs = await githubRequests(w, org);
    expect(reqs).toHaveLength(1);
    const { rows } = await w.server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM github_deployment_reviews WHERE org_id = $1', [org.seed.org.id]);
    expect(rows[0]!.n).toBe(1);
    // A re-run of the job is a new deployment of the same run: asked again, a request of its own.
    await postEvent(w, org, 'deployment_protection_rule', protectionRuleEvent({ ...d, deploymentId: d.deploymentId + 100 })).expect(200);
    expect(await githubRequests(w, org)).toHaveLength(2);
  });

  it.each([
    ['another host', (d: { runId: number }) => `http://evil.example/repos/acme/shop/actions/runs/${d.runId}/deployment_protection_rule`],
    ['another port of the host', (d: { runId: number }) => `http://127.0.0.1:1/repos/acme/shop/actions/runs/${d.runId}/deployment_protection_rule`],
    ['credentials in the URL', (d: { runId: number }) => `${w.github.url.replace('http://', 'http://x:y@')}/repos/acme/shop/actions/runs/${d.runId}/deployment_protection_rule`],
    ['another path of the API', () => `${w.github.url}/user/repos`],
    ['a query string', (d: { runId: number }) => `${w.github.url}/repos/acme/shop/actions/runs/${d.runId}/deployment_protection_rule?x=1`],
    ['a path that climbs out', (d: { runId: number }) => `${w.github.url}/repos/../../x/actions/runs/${d.runId}/deployment_protection_rule`],
  ])('a callback URL on %s is refused (400) and creates nothing', async (_what, url) => {
    const org = await githubOrg(w);
    const d = newDeployment(w);
    const res = await postEvent(w, org, 'deployment_protection_rule', protectionRuleEvent(d, { deployment_callback_url: url(d) })).expect(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(await githubRequests(w, org)).toEqual([]);
  });

  it('a review whose callback URL is no longer under the configured API fails without a call: no token leaves', async () => {
    const org = await githubOrg(w);
    const d = newDeployment(w);
    await postEvent(w, org, 'deployment_protection_rule', protectionRuleEvent(d)).expect(200);
    const [req] = await githubRequests(w, org);
    await w.server.db.query('UPDATE github_deployment_reviews SET callback_url = $2 WHERE approval_id = $1', [req!.id, `http://evil.example/repos/acme/shop/actions/runs/${d.runId}/deployment_protection_rule`]);
    const tokensBefore = w.github.calls.filter((c) => c.path.endsWith('/access_tokens')).length;
    await org.admin.http().patch(`/api/v1/approvals/${req!.id}`).send({ decision: 'approve' }).expect(200);
    await githubSettled(w, req!.id);
    expect(await githubDeliveries(w, req!.id)).toEqual([{ status: 'failed', attempts: 0 }]);
    expect(w.github.calls.filter((c) => c.path.endsWith('/access_tokens')).length).toBe(tokensBefore);
    expect(reviewsOf(d.runId)).toHaveLength(0);
  });

  it('GET /api/v1/org/github is for admins: an approver and an API key are refused', async () => {
    const org = await githubOrg(w);
    const approver = await (await import('../../testing/session.ts')).signedIn(w.server, org.seed, 'approver');
    await approver.http().get('/api/v1/org/github').expect(403);
    await approver.http().put('/api/v1/org/github').send({ app_id: 1, private_key: w.github.app.privateKey, webhook_secret: 'x'.repeat(20) }).expect(403);
    await w.server.http(org.seed.key).get('/api/v1/org/github').expect(403);
    await w.server.http(org.seed.key).delete('/api/v1/org/github').expect(403);
  });

  // Last in this file: it uses up this address's allowance of refusals.
  it('forged events from one address are cut off (429) without using up the org: its signed events still go through', async () => {
    const org = await githubOrg(w);
    const d = newDeployment(w);
    const statuses: number[] = [];
    for (let i = 0; i < 70; i++) statuses.push((await postEvent(w, org, 'deployment_protection_rule', protectionRuleEvent(d), { secret: 'forged-secret-of-nobody' })).status);
    expect(statuses.slice(0, 10).every((s) => s === 401 || s === 429)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    const limited = await postEvent(w, org, 'deployment_protection_rule', protectionRuleEvent(d), { secret: null });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    await postEvent(w, org, 'deployment_protection_rule', protectionRuleEvent(d)).expect(200);
    expect(await githubRequests(w, org)).toHaveLength(1);
  });
});
