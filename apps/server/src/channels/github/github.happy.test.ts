/**
 * GitHub deployment protection rules against a local stand-in of GitHub's API: connecting checks the app
 * with a JWT; a signed `deployment_protection_rule` event makes one request (environment, ref, commit,
 * run, who triggered it); deciding it in the API sends exactly one review as the app (installation
 * token), with the environment, the state, and the reviewer and comment; a cancelled run cancels it.
 */
import { describe, expect, it } from 'vitest';
import { usePolicies } from '../../testing/policies.ts';
import { githubDeliveries, githubOrg, githubRequests, githubSettled, newDeployment, postEvent, protectionRuleEvent, useGithubWorld, workflowRunCancelled, type GithubWorld } from '../../testing/github-world.ts';

let w: GithubWorld;
useGithubWorld((world) => (w = world));

const reviewsOf = (runId: number) => w.github.reviews((c) => c.path.includes(`/runs/${runId}/`));

describe('GitHub deployment protection rules', () => {
  it('connecting checks the app with GitHub and stores its secrets sealed; the answer holds none', async () => {
    const org = await githubOrg(w);
    const res = await org.admin.http().get('/api/v1/org/github').expect(200);
    expect(res.body).toMatchObject({
      configured: true,
      app_id: w.github.app.appId,
      app_slug: 'greenlight-test',
      private_key: { configured: true },
      webhook_secret: { configured: true },
      webhook_url: expect.stringContaining(org.webhookPath),
      install_url: 'https://github.com/apps/greenlight-test/installations/new',
    });
    expect(JSON.stringify(res.body)).not.toContain(org.secret);
    expect(JSON.stringify(res.body)).not.toContain('PRIVATE KEY');
    const { rows } = await w.server.db.query<{ private_key: string; webhook_secret: string }>('SELECT private_key, webhook_secret FROM github_settings WHERE org_id = $1', [org.seed.org.id]);
    expect(rows[0]!.private_key).not.toContain('PRIVATE KEY');
    expect(rows[0]!.webhook_secret).not.toContain(org.secret);
    // GET /app was called with a JWT the stand-in verified with the app's public key.
    expect(w.github.calls.some((c) => c.path === '/app' && c.status === 200)).toBe(true);
  });

  it('an event makes one request; approving it sends exactly one approved review with the reviewer and comment', async () => {
    const org = await githubOrg(w);
    const d = newDeployment(w, 'production');
    const res = await postEvent(w, org, 'deployment_protection_rule', protectionRuleEvent(d)).expect(200);
    expect(res.body).toMatchObject({ handled: 'created' });
    const [req] = await githubRequests(w, org);
    expect(req).toBeDefined();
    expect(req!.status).toBe('pending');
    expect(req!.metadata).toEqual({
      github: {
        repository: 'acme/shop',
        environment: 'production',
        ref: 'refs/heads/main',
        sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
        run_id: d.runId,
        run_url: `https://github.com/acme/shop/actions/runs/${d.runId}`,
        deployment_id: d.deploymentId,
        event: 'push',
        triggered_by: 'octocat',
        installation_id: 777,
      },
    });
    const shown = (await w.server.http(org.seed.key).get(`/api/v1/approvals/${req!.id}`).expect(200)).body;
    expect(shown).toMatchObject({ title: 'Deploy acme/shop refs/heads/main to production', source: 'github', action_type: 'github.deployment', created_via: 'github' });
    expect(shown.description).toContain(`actions/runs/${d.runId}`);
    expect(shown.description).toContain('Triggered by: octocat');
    expect(reviewsOf(d.runId)).toHaveLength(0);

    await org.admin.http().patch(`/api/v1/approvals/${req!.id}`).send({ decision: 'approve', comment: 'Ship it' }).expect(200);
    await w.github.until(() => reviewsOf(d.runId).length === 1);
    await githubSettled(w, req!.id);
    const [review] = reviewsOf(d.runId);
    expect(review!.path).toBe(`/repos/acme/shop/actions/runs/${d.runId}/deployment_protection_rule`);
    expect(review!.installationId).toBe(777);
    expect(review!.body).toMatchObject({ environment_name: 'production', state: 'approved' });
    expect(String(review!.body!.comment)).toMatch(/^Approved by .+ in Greenlight: Ship it \(http.+\/requests\//);
    expect(String(review!.body!.comment)).toContain(req!.id);
    expect(await githubDeliveries(w, req!.id)).toEqual([{ status: 'delivered', attempts: 1 }]);
    // An installation token was asked for with the app's JWT, for the event's installation.
    expect(w.github.calls.some((c) => c.path === '/app/installations/777/access_tokens' && c.status === 201)).toBe(true);
    expect(reviewsOf(d.runId)).toHaveLength(1);
  });

  it('rejecting sends exactly one rejected review for the run and environment', async () => {
    const org = await githubOrg(w);
    const d = newDeployment(w, 'staging', 'acme/api');
    await postEvent(w, org, 'deployment_protection_rule', protectionRuleEvent(d)).expect(200);
    const [req] = await githubRequests(w, org);
    await org.admin.http().patch(`/api/v1/approvals/${req!.id}`).send({ decision: 'reject', comment: 'Not on a Friday' }).expect(200);
    await w.github.until(() => reviewsOf(d.runId).length === 1);
    await githubSettled(w, req!.id);
    expect(reviewsOf(d.runId)).toHaveLength(1);
    expect(reviewsOf(d.runId)[0]!.path).toBe(`/repos/acme/api/actions/runs/${d.runId}/deployment_protection_rule`);
    expect(reviewsOf(d.runId)[0]!.body).toMatchObject({ environment_name: 'staging', state: 'rejected', comment: expect.stringMatching(/^Rejected by .+: Not on a Friday/) });
  });

  it('two environments of one run are two requests, each answered for its own environment', async () => {
    const org = await githubOrg(w);
    const prod = newDeployment(w, 'production');
    const eu = { ...prod, environment: 'production-eu', deploymentId: prod.deploymentId + 1 };
    await postEvent(w, org, 'deployment_protection_rule', protectionRuleEvent(prod)).expect(200);
    await postEvent(w, org, 'deployment_protection_rule', protectionRuleEvent(eu)).expect(200);
    const reqs = await githubRequests(w, org);
    expect(reqs).toHaveLength(2);
    for (const r of reqs) await org.admin.http().patch(`/api/v1/approvals/${r.id}`).send({ decision: 'approve' }).expect(200);
    await w.github.until(() => reviewsOf(prod.runId).length === 2);
    expect(reviewsOf(prod.runId).map((c) => c.body!.environment_name).sort()).toEqual(['production', 'production-eu']);
  });

  it('a cancelled workflow run cancels its pending request, and nothing is sent to GitHub', async () => {
    const org = await githubOrg(w);
    const d = newDeployment(w);
    await postEvent(w, org, 'deployment_protection_rule', protectionRuleEvent(d)).expect(200);
    const [req] = await githubRequests(w, org);
    const res = await postEvent(w, org, 'workflow_run', workflowRunCancelled(d)).expect(200);
    expect(res.body).toMatchObject({ handled: 'cancelled', cancelled: 1 });
    expect((await githubRequests(w, org))[0]!.status).toBe('cancelled');
    await githubSettled(w, req!.id);
    expect(await githubDeliveries(w, req!.id)).toEqual([]);
    expect(reviewsOf(d.runId)).toHaveLength(0);
    // A run that completes otherwise changes nothing.
    const other = newDeployment(w);
    await postEvent(w, org, 'deployment_protection_rule', protectionRuleEvent(other)).expect(200);
    await postEvent(w, org, 'workflow_run', { ...workflowRunCancelled(other), workflow_run: { id: other.runId, status: 'completed', conclusion: 'success' } }).expect(200);
    expect((await githubRequests(w, org))[1]!.status).toBe('pending');
  });

  it('a request a policy decides as it is created is answered too: staging deploys approved, others left to people', async () => {
    const org = await githubOrg(w);
    await usePolicies(
      w.server,
      org.seed,
      `@id("staging-is-safe")
@reason("staging deploys need no person")
permit (principal, action, resource) when { resource has action_type && resource.action_type == "github.deployment" && resource.hasTag("environment") && resource.getTag("environment") == "staging" };
`,
    );
    const staging = newDeployment(w, 'staging');
    await postEvent(w, org, 'deployment_protection_rule', protectionRuleEvent(staging)).expect(200);
    const [req] = await githubRequests(w, org);
    expect(req!.status).toBe('approved');
    await w.github.until(() => reviewsOf(staging.runId).length === 1);
    await githubSettled(w, req!.id);
    expect(reviewsOf(staging.runId)[0]!.body).toMatchObject({ environment_name: 'staging', state: 'approved' });
    expect(await githubDeliveries(w, req!.id)).toEqual([{ status: 'delivered', attempts: 1 }]);
    const prod = newDeployment(w, 'production');
    await postEvent(w, org, 'deployment_protection_rule', protectionRuleEvent(prod)).expect(200);
    expect((await githubRequests(w, org))[1]!.status).toBe('pending');
    expect(reviewsOf(prod.runId)).toHaveLength(0);
  });

  it('a ping is acknowledged and changes nothing', async () => {
    const org = await githubOrg(w);
    await postEvent(w, org, 'ping', { zen: 'Keep it logically awesome.', hook_id: 1 }).expect(200);
    expect(await githubRequests(w, org)).toEqual([]);
  });
});
