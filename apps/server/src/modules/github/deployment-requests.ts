/**
 * A GitHub deployment protection rule as a Greenlight request: a `deployment_protection_rule` event
 * becomes a request created through the one create path (modules/approvals/create-approval.ts:
 * routing rules, policies, notifications, the emergency stop, as any request), requested by the
 * org's GitHub App; its decision is sent back by the outbox (channels/github/). A cancelled workflow
 * run cancels its pending requests through the core's cancel transition.
 *
 * One request per (run, environment, deployment): the review row records it, and the create's
 * idempotency key (`github:<run>:<deployment>:<environment>`) makes two concurrent deliveries of one
 * event one request.
 */
import { randomUUID } from 'node:crypto';
import { routes, type ApprovalDetail, type z as cz } from '@greenlight/contract';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { AppDeps, AuthContext } from '../../context.ts';
import { ApiError, fieldError } from '../../errors.ts';
import { validationError } from '../../http/errors.ts';
import { cancel } from '../../core/approvals/index.ts';
import { enqueue } from '../../delivery/outbox/outbox.ts';
import { GITHUB } from '../../channels/github/github-channel.ts';
import { callbackTarget, type CallbackTarget, type GithubApp } from '../../channels/github/github-client.ts';
import { createApprovalVia } from '../approvals/create-approval.ts';

const createThroughGithub = createApprovalVia('github');

const Login = z.object({ login: z.string().min(1).max(100) }).partial();

/** The fields of a `deployment_protection_rule` event Greenlight reads (GitHub documents them all as optional). */
export const DeploymentProtectionRuleEvent = z.object({
  action: z.string().max(50),
  environment: z.string().min(1).max(255),
  event: z.string().max(100).optional(),
  deployment_callback_url: z.string().min(1).max(2048),
  deployment: z
    .object({
      id: z.number().int().positive(),
      sha: z.string().max(64).optional(),
      ref: z.string().max(1024).optional(),
      task: z.string().max(200).optional(),
      creator: Login.nullish(),
    })
    .optional(),
  installation: z.object({ id: z.number().int().positive() }),
  repository: z.object({ full_name: z.string().min(1).max(300), html_url: z.string().max(2048).optional() }),
  sender: Login.nullish(),
});
export type DeploymentProtectionRuleEvent = z.infer<typeof DeploymentProtectionRuleEvent>;

export const WorkflowRunEvent = z.object({
  action: z.string().max(50),
  workflow_run: z.object({ id: z.number().int().positive(), conclusion: z.string().max(50).nullish(), status: z.string().max(50).nullish() }),
});

/** The app as the requester: a principal of its own (the settings row's id), holding no key and no person. */
function appCaller(app: GithubApp, org: AuthContext['org']): AuthContext {
  return {
    org,
    principal: { type: 'connection', id: app.id, name: `GitHub App${app.appSlug ? ` ${app.appSlug}` : ''}` },
    connection: null,
    user: null,
    scopes: ['approvals:read', 'approvals:write'],
    rateLimitKey: `github:${app.orgId}`,
    rateLimit: 1,
    rateLimitWindowSeconds: 60,
  };
}

const clip = (s: string, max: number): string => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/** What the request says: the facts of the deployment, the same in its title, description, metadata and tags. */
export function requestBody(event: DeploymentProtectionRuleEvent, target: CallbackTarget): Record<string, unknown> {
  const repo = event.repository.full_name;
  const d = event.deployment;
  const ref = d?.ref ?? null;
  const sha = d?.sha ?? null;
  const sender = event.sender?.login ?? d?.creator?.login ?? null;
  const runUrl = `${event.repository.html_url ?? `https://github.com/${repo}`}/actions/runs/${target.runId}`;
  const lines = [
    `GitHub Actions asks to deploy **${repo}** to the environment **${event.environment}**.`,
    '',
    `- Repository: ${repo}`,
    `- Environment: ${event.environment}`,
    `- Ref: ${ref ?? 'unknown'}`,
    `- Commit: ${sha ?? 'unknown'}`,
    `- Workflow run: ${runUrl}`,
    `- Triggered by: ${sender ?? 'unknown'}${event.event ? ` (${event.event})` : ''}`,
  ];
  return {
    title: clip(`Deploy ${repo}${ref ? ` ${ref}` : ''} to ${event.environment}`, 500),
    description: lines.join('\n'),
    priority: 'medium',
    action_type: 'github.deployment',
    source: 'github',
    metadata: {
      github: {
        repository: repo,
        environment: event.environment,
        ref,
        sha,
        run_id: target.runId,
        run_url: runUrl,
        deployment_id: d?.id ?? null,
        event: event.event ?? null,
        triggered_by: sender,
        installation_id: event.installation.id,
      },
    },
    tags: { repository: clip(repo, 256), environment: clip(event.environment, 256) },
    resource: { type: 'github_deployment', id: clip(`${repo}/actions/runs/${target.runId}/${event.environment}`, 255), name: clip(`${repo} → ${event.environment}`, 200) },
    idempotency_key: clip(`github:${target.runId}:${d?.id ?? 0}:${event.environment}`, 255),
  };
}

export type Requested = { outcome: 'created' | 'existing'; approvalId: string };

/**
 * The request for a deployment protection rule, created once. Refuses (400) a callback URL that is not
 * GitHub's review endpoint under GREENLIGHT_GITHUB_API_URL: no request is made that could only be
 * answered by sending the app's token elsewhere.
 */
export async function requestDeployment(deps: AppDeps, app: GithubApp, event: DeploymentProtectionRuleEvent, log: Logger): Promise<Requested> {
  const target = callbackTarget(event.deployment_callback_url, deps.config.GREENLIGHT_GITHUB_API_URL);
  if (!target) {
    throw fieldError('deployment_callback_url', 'refused', 'deployment_callback_url is not a deployment protection rule endpoint of the configured GitHub API', 'not under GREENLIGHT_GITHUB_API_URL');
  }
  const deploymentId = event.deployment?.id ?? 0;
  const existing = await deps.db.query<{ approval_id: string }>(
    'SELECT approval_id FROM github_deployment_reviews WHERE org_id = $1 AND run_id = $2 AND environment = $3 AND deployment_id = $4',
    [app.orgId, target.runId, event.environment, deploymentId],
  );
  if (existing.rows[0]) return { outcome: 'existing', approvalId: existing.rows[0].approval_id };

  const { rows: orgs } = await deps.db.query<AuthContext['org']>('SELECT id, slug, name, emergency_stop FROM orgs WHERE id = $1', [app.orgId]);
  if (!orgs[0]) throw new ApiError('NOT_FOUND', 'organization not found');
  const auth = appCaller(app, orgs[0]);
  const raw = requestBody(event, target);
  const parsed = routes.createApproval.request.body.safeParse(raw);
  if (!parsed.success) throw validationError(parsed.error, 'body', raw);

  let approvalId: string;
  let created = false;
  try {
    const answer = await createThroughGithub({
      params: {},
      query: {},
      body: parsed.data,
      headers: {},
      auth,
      ownedBy: null,
      deps,
      log,
      requestId: randomUUID(),
    } as Parameters<typeof createThroughGithub>[0]);
    approvalId = (answer.body as cz.infer<typeof ApprovalDetail>).id;
    created = answer.status === 201;
  } catch (err) {
    // The same deployment asked again with other words (a field GitHub filled in later): the request it made stands.
    const taken = err instanceof ApiError && err.code === 'IDEMPOTENCY_KEY_REUSED' ? (err.details as { approval_id?: string } | undefined)?.approval_id : undefined;
    if (!taken) throw err;
    approvalId = taken;
  }

  await deps.db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO github_deployment_reviews (org_id, approval_id, installation_id, repository, run_id, environment, deployment_id, callback_url)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING id`,
      [app.orgId, approvalId, event.installation.id, event.repository.full_name, target.runId, event.environment, deploymentId, event.deployment_callback_url],
    );
    const review = rows[0];
    if (!review) return;
    // Decided before the review row existed (a policy or a grant decides in the create's own
    // transaction): its event found nothing to send, so the review is queued here. The row lock waits
    // for a decision in flight, whose fan-out then sees the review row; the dedupe key makes it one row.
    const { rows: a } = await tx.query<{ status: string }>('SELECT status FROM approvals WHERE id = $1 FOR SHARE', [approvalId]);
    if (a[0] && a[0].status !== 'pending') {
      await enqueue(tx, GITHUB, 'deployment_review', [{ orgId: app.orgId, approvalId, dedupeKey: `deployment_review:${approvalId}`, payload: { review_id: review.id } }]);
    }
  });
  log.info({ org_id: app.orgId, approval_id: approvalId, run_id: target.runId, environment: event.environment, created }, 'GitHub deployment protection rule requested');
  return { outcome: created ? 'created' : 'existing', approvalId };
}

/**
 * A workflow run cancelled on GitHub: its requests are marked so (nothing is sent to GitHub for them)
 * and the pending ones cancelled, as their requester (the app) would. Returns how many were cancelled.
 */
export async function cancelRun(deps: AppDeps, orgId: string, runId: number, log: Logger): Promise<number> {
  const { rows } = await deps.db.query<{ approval_id: string; requested_by_id: string; requested_by_name: string | null; status: string }>(
    `UPDATE github_deployment_reviews g SET run_cancelled_at = coalesce(g.run_cancelled_at, now())
       FROM approvals a
      WHERE g.org_id = $1 AND g.run_id = $2 AND a.id = g.approval_id
      RETURNING g.approval_id, a.requested_by_id, a.requested_by_name, a.status`,
    [orgId, runId],
  );
  let cancelled = 0;
  for (const r of rows) {
    if (r.status !== 'pending') continue;
    try {
      await cancel(deps.db, { org: { id: orgId }, principal: { type: 'connection', id: r.requested_by_id, name: r.requested_by_name }, user: null }, r.approval_id);
      cancelled += 1;
    } catch (err) {
      // Decided or cancelled meanwhile: the run's end changes nothing more.
      if (!(err instanceof ApiError)) throw err;
      log.info({ org_id: orgId, approval_id: r.approval_id, code: err.code }, 'GitHub run cancelled: request not cancelled');
    }
  }
  log.info({ org_id: orgId, run_id: runId, cancelled }, 'GitHub workflow run cancelled');
  return cancelled;
}
