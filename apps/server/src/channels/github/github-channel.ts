/**
 * GitHub: the decision of a request made for a deployment protection rule (modules/github/) is sent
 * to GitHub as the org's GitHub App: `POST /repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule`
 * with `{environment_name, state: approved | rejected, comment}`, authenticated with an installation
 * access token. No runner waits for it: the job waits on GitHub's side until this call.
 *
 * - One row per request, queued with the event that ends it (storage/functions/events_fan_out.sql),
 *   or by the webhook when the request was decided as it was created (a policy, a grant).
 * - The state is read when sent: `approved` only for a request approved now; anything else that ended
 *   it (rejected, expired, cancelled, revoked) is `rejected`. A request whose run was cancelled on
 *   GitHub sends nothing.
 * - The callback URL is checked against GREENLIGHT_GITHUB_API_URL again before each attempt (fail
 *   closed: a row that names another host fails without a call).
 * - 2xx delivered; 401, 429, 5xx, timeouts and network errors are retried on the outbox's schedule
 *   (Retry-After honoured); any other 4xx (the run no longer waits, the app may not review it) fails.
 */
import { z } from 'zod';
import type { Queryable } from '../../storage/database.ts';
import { closedOf } from '../../core/approval-outcome.ts';
import { DECISION_COLUMNS, type ApprovalDecision } from '../../core/approval-record.ts';
import { apiVerdict, type Channel, type ChannelSpec, type Message } from '../../delivery/outbox/channel.ts';
import { callGithub, callbackTarget, githubAppOf, githubOctokit, type CallbackTarget, type GithubCallResult, type GithubConnection } from './github-client.ts';

export const GITHUB = {
  name: 'github',
  kinds: {
    /** A deployment protection rule answered with the request's outcome. */
    deployment_review: { payload: z.object({ review_id: z.uuid() }) },
  },
} as const satisfies ChannelSpec;

type Kinds = typeof GITHUB.kinds;
type GithubRow = Message<Kinds>;

/** GitHub shows the comment beside the review; long decision comments are cut. */
const COMMENT_MAX = 1000;

export interface DeploymentReview {
  appId: number;
  privateKey: string;
  installationId: number;
  target: CallbackTarget;
  body: { environment_name: string; state: 'approved' | 'rejected'; comment: string };
}

type Answer = GithubCallResult<unknown>;

interface ReviewRow extends ApprovalDecision {
  installation_id: string;
  environment: string;
  callback_url: string;
  run_cancelled_at: Date | null;
  approval_id: string;
}

async function reviewOf(db: Queryable, reviewId: string): Promise<ReviewRow | null> {
  const { rows } = await db.query<ReviewRow>(
    `SELECT g.installation_id::text, g.environment, g.callback_url, g.run_cancelled_at, a.id AS approval_id, ${DECISION_COLUMNS}
       FROM github_deployment_reviews g JOIN approvals a ON a.id = g.approval_id WHERE g.id = $1`,
    [reviewId],
  );
  return rows[0] ?? null;
}

/** What GitHub shows beside the review: who decided in Greenlight, their comment, and where to read the request. */
export function reviewComment(r: Pick<ReviewRow, 'status' | 'decision_comment' | 'revoked_at'>, by: string | null, openUrl: string): string {
  const what =
    r.status === 'approved'
      ? 'Approved'
      : r.revoked_at
        ? 'Approval revoked'
        : r.status === 'expired'
          ? 'Expired without a decision'
          : r.status === 'cancelled'
            ? 'Cancelled'
            : 'Rejected';
  const who = by ? ` by ${by}` : '';
  const note = r.decision_comment ? `: ${r.decision_comment}` : '';
  const text = `${what}${who} in Greenlight${note}`;
  const link = ` (${openUrl})`;
  const room = COMMENT_MAX - link.length;
  return `${text.length > room ? `${text.slice(0, room - 1)}…` : text}${link}`;
}

export interface GithubChannelDeps {
  publicUrl: string;
  github: GithubConnection;
}

export function githubChannel(deps: GithubChannelDeps): Channel<Kinds, DeploymentReview, Answer> {
  return {
    spec: GITHUB,

    async prepare(ctx, row: GithubRow) {
      const app = await githubAppOf(ctx.db, row.org_id);
      if (!app) return { skip: { status: 'failed', reason: 'GitHub is not configured for the organization' } };
      const review = await reviewOf(ctx.db, row.payload.review_id);
      if (!review) return { skip: { status: 'gone', reason: 'request removed' } };
      if (review.run_cancelled_at) return { skip: { status: 'gone', reason: 'the workflow run was cancelled on GitHub' } };
      if (review.status === 'pending') return { skip: { status: 'failed', reason: 'the request is still pending' } };
      const target = callbackTarget(review.callback_url, deps.github.apiUrl);
      if (!target) return { skip: { status: 'failed', reason: 'the deployment callback URL is not under GREENLIGHT_GITHUB_API_URL: no token is sent to it' } };
      const state = review.status === 'approved' ? 'approved' : 'rejected';
      const closed = await closedOf(ctx.db, { ...review, id: review.approval_id });
      const comment = reviewComment(review, closed?.by ?? null, `${deps.publicUrl}/requests/${review.approval_id}`);
      return {
        send: {
          appId: app.appId,
          privateKey: app.privateKey,
          installationId: Number(review.installation_id),
          target,
          body: { environment_name: review.environment, state, comment },
        },
      };
    },

    async send(_ctx, _row, m) {
      return callGithub(async () =>
        (await githubOctokit(m, deps.github, m.installationId)).request('POST /repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule', {
          owner: m.target.owner,
          repo: m.target.repo,
          run_id: m.target.runId,
          ...m.body,
        }),
      );
    },

    meaning: apiVerdict,

    describe(row) {
      return { target: 'github', url: `github:deployment_review:${row.payload.review_id}` };
    },
  };
}
