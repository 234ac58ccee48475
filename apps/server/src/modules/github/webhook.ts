/**
 * The events GitHub posts to an org's GitHub App webhook (docs/github.md).
 *
 * Guard clauses, in order:
 * 1. The body is read raw and capped (413).
 * 2. The org in the path selects the webhook secret; `X-Hub-Signature-256` must be
 *    `sha256=` + HMAC-SHA256(secret, raw body), checked by `@octokit/webhooks` in constant time. An
 *    unknown org, an org without an app, a missing or wrong signature: 401, nothing read further. So an
 *    event signed for one org's app is refused at another org's URL. Refusals are counted per address:
 *    past REFUSED_PER_MINUTE a minute, 429.
 *    Verified events are counted per org: past GITHUB_WEBHOOKS_PER_MINUTE a minute, 429 (Retry-After).
 *    Counting only verified events there keeps forged traffic from using up an org's allowance.
 * 3. `X-GitHub-Event` and `X-GitHub-Delivery` must be present (400). A delivery id already handled for
 *    the org is answered 200 and changes nothing: GitHub's signature carries no timestamp, so a captured
 *    event verifies forever.
 * 4. The body must be JSON (400). Then:
 *    - `deployment_protection_rule` / `requested`: one request per (run, environment, deployment)
 *      (deployment-requests.ts); a callback URL outside GREENLIGHT_GITHUB_API_URL is refused (400);
 *    - `workflow_run` / `completed` with conclusion `cancelled`: the run's pending requests are cancelled;
 *    - anything else (`ping`, other actions): 200, nothing done.
 * 5. The delivery id is recorded once handled; a refusal (the emergency stop: 503) records nothing, so
 *    GitHub's "Redeliver" works once the stop ends.
 */
import express, { type Router } from 'express';
import { GITHUB_WEBHOOK_PATH } from '@greenlight/contract';
import type { AppDeps } from '../../context.ts';
import { ApiError } from '../../errors.ts';
import { platformJson, platformShape } from '../../http/platform-body.ts';
import { githubAppOf } from '../../channels/github/github-client.ts';
import { cancelRun, DeploymentProtectionRuleEvent, requestDeployment, WorkflowRunEvent } from './deployment-requests.ts';

const BODY_LIMIT = '1mb';
export const GITHUB_WEBHOOKS_PER_MINUTE = 600;
export const REFUSED_PER_MINUTE = 60;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DELIVERY_ID = /^[A-Za-z0-9-]{1,100}$/;

async function signedBy(secret: string, body: string, signature: string | undefined): Promise<boolean> {
  if (typeof signature !== 'string' || !/^sha256=[0-9a-f]{64}$/i.test(signature)) return false;
  try {
    // Loaded at the first delivery from GitHub: a server without a GitHub App never holds it.
    const { Webhooks } = await import('@octokit/webhooks');
    return await new Webhooks({ secret }).verify(body, signature);
  } catch {
    return false;
  }
}

export function githubWebhookRouter(deps: AppDeps): Router {
  const router = express.Router();

  /** A 429 when `key` is past `limit` a minute, else null; the X-RateLimit headers either way. */
  const overLimit = async (res: express.Response, key: string, limit: number, what: string): Promise<ApiError | null> => {
    const d = await deps.rateLimit.consume(key, limit, 60);
    res.setHeader('X-RateLimit-Limit', String(d.limit));
    res.setHeader('X-RateLimit-Remaining', String(d.remaining));
    res.setHeader('X-RateLimit-Reset', String(d.resetAt));
    if (d.allowed) return null;
    return new ApiError('RATE_LIMITED', `too many ${what}; retry in ${d.retryAfterSeconds} s`, { limit: d.limit, reset: d.resetAt }, { 'Retry-After': String(d.retryAfterSeconds) });
  };

  router.post(GITHUB_WEBHOOK_PATH, express.raw({ type: () => true, limit: BODY_LIMIT }), async (req, res, next) => {
    try {
      const orgId = String(req.params.org);
      const app = UUID.test(orgId) ? await githubAppOf(deps.db, orgId) : null;
      const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
      if (!app || !(await signedBy(app.webhookSecret, body, req.header('x-hub-signature-256')))) {
        req.log.warn({ org_id: orgId }, 'GitHub event refused: signature not verified');
        const limited = await overLimit(res, `github-webhook-refused:${req.ip ?? req.socket.remoteAddress ?? 'unknown'}`, REFUSED_PER_MINUTE, 'unverified GitHub events from this address');
        return next(limited ?? new ApiError('UNAUTHORIZED', "the event is not signed with the webhook secret of the organization's GitHub App"));
      }
      const limited = await overLimit(res, `github-webhook:${orgId}`, GITHUB_WEBHOOKS_PER_MINUTE, 'GitHub events for this organization');
      if (limited) return next(limited);
      const event = req.header('x-github-event');
      const delivery = req.header('x-github-delivery');
      if (!event || !delivery || !DELIVERY_ID.test(delivery) || event.length > 100) {
        return next(new ApiError('VALIDATION_ERROR', 'expected the X-GitHub-Event and X-GitHub-Delivery headers GitHub sends'));
      }
      const { rows: seen } = await deps.db.query('SELECT 1 FROM github_webhook_deliveries WHERE org_id = $1 AND delivery_id = $2', [orgId, delivery]);
      if (seen.length > 0) {
        req.log.info({ org_id: orgId, delivery }, 'GitHub event already handled');
        return res.status(200).json({ handled: 'duplicate' });
      }
      const json = platformJson(body, 'expected a JSON GitHub event (content type application/json)');

      let handled: Record<string, unknown> = { handled: 'ignored' };
      const action = typeof (json as { action?: unknown })?.action === 'string' ? (json as { action: string }).action : null;
      if (event === 'deployment_protection_rule' && action === 'requested') {
        const requested = platformShape(json, DeploymentProtectionRuleEvent, 'expected a deployment_protection_rule event (environment, deployment_callback_url, installation, repository)');
        const r = await requestDeployment(deps, app, requested, req.log);
        handled = { handled: r.outcome, approval_id: r.approvalId };
      } else if (event === 'workflow_run' && action === 'completed') {
        const run = platformShape(json, WorkflowRunEvent, 'expected a workflow_run event').workflow_run;
        if (run.conclusion === 'cancelled') handled = { handled: 'cancelled', cancelled: await cancelRun(deps, orgId, run.id, req.log) };
      }
      await deps.db.query('INSERT INTO github_webhook_deliveries (org_id, delivery_id, event) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [orgId, delivery, event]);
      res.status(200).json(handled);
    } catch (err) {
      next(err);
    }
  });
  return router;
}
