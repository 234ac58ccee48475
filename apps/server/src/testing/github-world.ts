/**
 * What the GitHub tests share: a Greenlight server whose GitHub API is a local stand-in (testing/github.ts),
 * an org whose GitHub App is connected through the API (checked by the stand-in with a JWT), and events
 * posted as GitHub posts them: JSON, `X-GitHub-Event`, `X-GitHub-Delivery`, `X-Hub-Signature-256`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import supertest from 'supertest';
import { afterAll, beforeAll } from 'vitest';
import { seedOrg, startTestServer, type SeededOrg, type TestServer } from './harness.ts';
import { signedIn, type SignedIn } from './session.ts';
import { githubSignature, startGithubApi, type TestGithubApi } from './github.ts';

export interface GithubWorld {
  server: TestServer;
  github: TestGithubApi;
}

export function useGithubWorld(use: (w: GithubWorld) => void, config: Record<string, string> = {}): void {
  let w: GithubWorld | undefined;
  beforeAll(async () => {
    const github = await startGithubApi();
    const server = await startTestServer({ config: { GREENLIGHT_GITHUB_API_URL: github.url, GREENLIGHT_DELIVERY_TIMEOUT_MS: '3000', ...config } });
    w = { server, github };
    use(w);
  }, 60_000);
  afterAll(async () => {
    await w?.server.stop();
    await w?.github.close();
  });
}

export interface GithubOrg {
  seed: SeededOrg;
  admin: SignedIn;
  secret: string;
  webhookPath: string;
}

export async function githubOrg(w: GithubWorld): Promise<GithubOrg> {
  const seed = await seedOrg(w.server.db);
  const admin = await signedIn(w.server, seed);
  const secret = randomBytes(24).toString('hex');
  await admin.http().put('/api/v1/org/github').send({ app_id: w.github.app.appId, private_key: w.github.app.privateKey, webhook_secret: secret }).expect(200);
  return { seed, admin, secret, webhookPath: `/integrations/github/${seed.org.id}/webhook` };
}

let nextRun = 9_000_000_000;

export interface Deployment {
  runId: number;
  deploymentId: number;
  environment: string;
  repo: string;
  callbackUrl: string;
}

/** A deployment of a new workflow run to `environment`, its callback URL under the stand-in. */
export function newDeployment(w: GithubWorld, environment = 'production', repo = 'acme/shop'): Deployment {
  const runId = ++nextRun;
  return { runId, deploymentId: runId + 7, environment, repo, callbackUrl: `${w.github.url}/repos/${repo}/actions/runs/${runId}/deployment_protection_rule` };
}

/** A `deployment_protection_rule` event as GitHub documents it. */
export function protectionRuleEvent(d: Deployment, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const [owner] = d.repo.split('/');
  return {
    action: 'requested',
    environment: d.environment,
    event: 'push',
    deployment_callback_url: d.callbackUrl,
    deployment: { id: d.deploymentId, sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678', ref: 'refs/heads/main', task: 'deploy', environment: d.environment, creator: { login: 'octocat' } },
    repository: { id: 1, name: d.repo.split('/')[1], full_name: d.repo, html_url: `https://github.com/${d.repo}`, owner: { login: owner } },
    installation: { id: 777, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNzc3' },
    sender: { login: 'octocat', id: 1, type: 'User' },
    ...overrides,
  };
}

export const workflowRunCancelled = (d: Deployment): Record<string, unknown> => ({
  action: 'completed',
  workflow_run: { id: d.runId, status: 'completed', conclusion: 'cancelled', name: 'deploy' },
  repository: { full_name: d.repo },
  installation: { id: 777 },
});

/**
 * Posts an event as GitHub does: signed with `secret` (the org's unless given; null: unsigned), under a
 * new delivery id unless `delivery` is given. The exact bytes signed are the bytes sent.
 */
export function postEvent(
  w: GithubWorld,
  org: GithubOrg,
  event: string,
  payload: Record<string, unknown> | string,
  options: { secret?: string | null; delivery?: string; path?: string } = {},
): supertest.Test {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const secret = options.secret === undefined ? org.secret : options.secret;
  let t = supertest(w.server.url)
    .post(options.path ?? org.webhookPath)
    .set('content-type', 'application/json')
    .set('X-GitHub-Event', event)
    .set('X-GitHub-Delivery', options.delivery ?? randomUUID())
    .set('User-Agent', 'GitHub-Hookshot/test');
  if (secret !== null) t = t.set('X-Hub-Signature-256', githubSignature(secret, body));
  return t.send(body);
}

/** The requests of the org made for GitHub deployments, oldest first. */
export async function githubRequests(w: GithubWorld, org: GithubOrg): Promise<{ id: string; status: string; metadata: Record<string, unknown> }[]> {
  const { rows } = await w.server.db.query<{ id: string; status: string; metadata: Record<string, unknown> }>(
    "SELECT id, status, metadata FROM approvals WHERE org_id = $1 AND created_via = 'github' ORDER BY seq",
    [org.seed.org.id],
  );
  return rows;
}

/** Waits until the request's GitHub rows are no longer pending or being delivered. */
export async function githubSettled(w: GithubWorld, approvalId: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const { rows } = await w.server.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM deliveries WHERE approval_id = $1 AND channel = 'github' AND status IN ('pending', 'delivering')",
      [approvalId],
    );
    if (rows[0]!.n === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('GitHub deliveries did not settle');
}

export async function githubDeliveries(w: GithubWorld, approvalId: string): Promise<{ status: string; attempts: number }[]> {
  const { rows } = await w.server.db.query<{ status: string; attempts: number }>(
    "SELECT status, attempts FROM deliveries WHERE approval_id = $1 AND channel = 'github'",
    [approvalId],
  );
  return rows;
}
