import { z } from './zod.ts';
import { Timestamp } from './common.ts';
import { ADMIN_SESSION } from './authorization.ts';

/**
 * GitHub: an org's own GitHub App, added to a repository's environments as a custom deployment
 * protection rule. GitHub posts `deployment_protection_rule` events to the org's webhook URL, signed with
 * the app's webhook secret; each becomes a request, and its decision is sent back to GitHub as the app.
 */
export const GITHUB_WEBHOOK_PATH = '/integrations/github/:org/webhook';

export const GithubSettings = z
  .object({
    configured: z.boolean().openapi({ description: 'Whether the app is connected: without it every event is refused and nothing is sent to GitHub' }),
    app_id: z.number().int().nullable().openapi({ description: "The GitHub App's id (its settings page: App ID)" }),
    app_slug: z.string().nullable().openapi({ description: "The app's slug as GitHub gave it (GET /app), in its public page and install link" }),
    private_key: z.object({ configured: z.boolean() }).openapi({ description: 'The private key is never shown, only whether it is set' }),
    webhook_secret: z.object({ configured: z.boolean() }).openapi({ description: 'The webhook secret is never shown, only whether it is set' }),
    webhook_url: z.string().nullable().openapi({ description: 'The Webhook URL to enter in the GitHub App settings' }),
    install_url: z.string().nullable().openapi({ description: "Where to install the app on a repository (the app's public page on GitHub)" }),
    updated_at: Timestamp.nullable(),
  })
  .openapi('GithubSettings');
export type GithubSettings = z.infer<typeof GithubSettings>;

const PEM = /^\s*-----BEGIN (RSA )?PRIVATE KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END (RSA )?PRIVATE KEY-----\s*$/;

export const UpdateGithubSettingsBody = z
  .strictObject({
    app_id: z.number().int().min(1).max(2 ** 53 - 1).openapi({ description: "The App ID from the GitHub App's settings page" }),
    private_key: z
      .string()
      .max(16_384)
      .regex(PEM, 'must be the PEM private key GitHub generated for the app (-----BEGIN RSA PRIVATE KEY----- …)')
      .openapi({ description: 'The private key (.pem) generated in the GitHub App settings. Stored encrypted, never shown again.' }),
    webhook_secret: z
      .string()
      .min(16, 'must be at least 16 characters: GitHub signs every event with it')
      .max(256)
      .openapi({ description: 'The webhook secret entered in the GitHub App settings. Stored encrypted, never shown again.' }),
  })
  .openapi('UpdateGithubSettingsBody');
export type UpdateGithubSettingsBody = z.infer<typeof UpdateGithubSettingsBody>;


/**
 * The routes of the GitHub settings, spread into the one route table (routes.ts), which checks them as
 * every route (`satisfies Record<string, RouteDef>`); literal where the table's types read them.
 */
export const githubRoutes = {
  getGithubSettings: {
    operationId: 'getGithubSettings' as const,
    method: 'get' as const,
    path: '/api/v1/org/github' as const,
    tag: 'Organization',
    summary: "The organization's GitHub App",
    description: 'Admins only (dashboard session). Whether a GitHub App is connected, its id and slug, and the webhook URL to give it; never its private key or webhook secret.',
    authorization: ADMIN_SESSION,
    request: {},
    responses: { 200: { description: 'The GitHub settings', schema: GithubSettings } },
    errors: [403],
  },
  updateGithubSettings: {
    operationId: 'updateGithubSettings' as const,
    method: 'put' as const,
    path: '/api/v1/org/github' as const,
    tag: 'Organization',
    summary: 'Connect a GitHub App',
    description:
      "Admins only (dashboard session). Checks the app id and private key with GitHub (GET /app as the app), then stores them and the webhook secret (encrypted, never shown again). " +
      '400 when the key is not a private key or GitHub refuses it; nothing is stored then. Recorded in the audit log.',
    authorization: ADMIN_SESSION,
    request: { body: UpdateGithubSettingsBody },
    responses: { 200: { description: 'The GitHub settings', schema: GithubSettings } },
    errors: [400, 403],
  },
  deleteGithubSettings: {
    operationId: 'deleteGithubSettings' as const,
    method: 'delete' as const,
    path: '/api/v1/org/github' as const,
    tag: 'Organization',
    summary: 'Disconnect the GitHub App',
    description:
      'Admins only (dashboard session). Forgets the app and its secrets: events GitHub posts are refused, and decisions not yet sent to GitHub are not sent. Recorded in the audit log.',
    authorization: ADMIN_SESSION,
    request: {},
    responses: { 200: { description: 'The GitHub settings, now not configured', schema: GithubSettings } },
    errors: [403],
  },
};
