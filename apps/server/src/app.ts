import express, { type Express } from 'express';
import type { AppDeps } from './context.ts';
import { errorHandler, routeNotFound } from './http/errors.ts';
import { requestLog } from './http/request-log.ts';
import { securityHeaders } from './http/security-headers.ts';
import { inputLimits } from './http/input-limits.ts';
import { authFailureLimit } from './http/auth-failures.ts';
import { apiRouter } from './http/router.ts';
import { handlers } from './modules/handlers.ts';
import { credentials } from './modules/credentials.ts';
import { ownerLookups } from './modules/owners.ts';
import { docsRouter } from './http/docs.ts';
import { dashboardRouter } from './modules/dashboard/serve-dashboard.ts';
import { pagesRouter } from './modules/sessions/pages.ts';
import { signInRouter } from './modules/users/sign-in.ts';
import { passwordPageRouter } from './modules/users/password-page.ts';
import { oauthRouter } from './modules/oauth/router.ts';
import { auditKeysRouter } from './modules/audit/export-audit-ledger.ts';
import { mcpRouter } from './modules/mcp/mcp-router.ts';
import { InternalCalls } from './modules/mcp/internal-calls.ts';
import { decisionLinkRouter } from './modules/decision-links/decision-link-pages.ts';
import { slackInteractivityRouter } from './modules/slack/interactivity.ts';
import { telegramWebhookRouter } from './modules/telegram/webhook.ts';
import { discordInteractionsRouter } from './modules/discord/interactions.ts';
import { msteamsMessagesRouter } from './modules/msteams/messages.ts';
import { webpushDecideRouter } from './modules/webpush/decide.ts';
import { githubWebhookRouter } from './modules/github/webhook.ts';
import { ssoRouter } from './modules/sso/sso-pages.ts';
import { DIALECT_MOUNTS, dialectErrorHandlers, dialectHandlers } from './dialects/index.ts';
import { SCIM_BASE_PATH } from '@greenlight/contract';
import { scimRouter } from './modules/scim/router.ts';
import { scimErrorHandler } from './modules/scim/errors.ts';


/** Builds the HTTP app without listening: tests and main.ts both start from here. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // No ETag on API answers: they are rarely fetched twice unchanged, and hashing every JSON body
  // costs CPU on every request (static dashboard files keep theirs: serve-static sets its own).
  app.disable('etag');
  app.set('query parser', 'simple');
  if (deps.config.GREENLIGHT_TRUST_PROXY !== undefined) app.set('trust proxy', deps.config.GREENLIGHT_TRUST_PROXY);
  if (deps.metrics) app.use(deps.metrics.httpMiddleware());
  app.use(requestLog(deps.logger));
  app.use(securityHeaders());

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (req, res) => {
    try {
      await deps.db.query('SELECT 1');
      res.json({ status: 'ready', database: deps.db.kind, rate_limit_store: deps.rateLimit.kind });
    } catch (err) {
      req.log.warn({ err }, 'readiness check failed');
      res.status(503).json({ status: 'unavailable' });
    }
  });

  if (deps.metrics && deps.config.GREENLIGHT_METRICS_TOKEN) app.get('/metrics', deps.metrics.scrapeHandler(deps.config.GREENLIGHT_METRICS_TOKEN));

  app.use(docsRouter());
  // The API (and the peer APIs it also speaks: dialects/) first: its requests are the many, and every
  // router ahead of it is matched against each one.
  const api = ['/api/v1', ...DIALECT_MOUNTS];
  app.use(
    api,
    express.json({
      limit: deps.config.GREENLIGHT_BODY_LIMIT,
      strict: false,
      // JSON is parsed when declared as JSON, or when a body comes without any Content-Type.
      type: (req) => {
        const ct = req.headers['content-type'];
        return ct === undefined ? Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined : /\bjson\b/i.test(ct);
      },
    }),
    inputLimits,
  );
  const authFailures = authFailureLimit(deps);
  app.use(api, authFailures.before);
  const mcpCalls = new InternalCalls();
  app.use(apiRouter(deps, { ...handlers, ...dialectHandlers }, credentials(deps.db, mcpCalls), ownerLookups(deps.db)));
  app.use(api, authFailures.after);
  app.use(mcpRouter(deps, mcpCalls));
  // SCIM provisioning: its own token, media type and error body (modules/scim), wrapped in the same
  // limit of guessed credentials as the API.
  app.use(SCIM_BASE_PATH, authFailures.before, scimRouter(deps), authFailures.after, scimErrorHandler);
  // Before pagesRouter: with apps/web built, `/` is the dashboard rather than the plain landing page.
  app.use(dashboardRouter(deps));
  app.use(pagesRouter(deps));
  app.use(signInRouter(deps));
  app.use(ssoRouter(deps));
  app.use(passwordPageRouter(deps));
  app.use(oauthRouter(deps));
  app.use(auditKeysRouter(deps));
  app.use(decisionLinkRouter(deps));
  app.use(slackInteractivityRouter(deps));
  app.use(telegramWebhookRouter(deps));
  app.use(discordInteractionsRouter(deps));
  app.use(msteamsMessagesRouter(deps));
  app.use(webpushDecideRouter(deps));
  app.use(githubWebhookRouter(deps));
  app.use(routeNotFound);
  for (const [mount, handler] of dialectErrorHandlers()) app.use(mount, handler);
  app.use(errorHandler);
  return app;
}
