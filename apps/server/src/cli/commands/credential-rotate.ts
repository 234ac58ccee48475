import { z } from 'zod';
import { API_KEY_LIMITS } from '@greenlight/contract';
import type { Database } from '../../storage/database.ts';
import { rotateApiKey } from '../../modules/connections/connections.ts';
import { rotateOAuthClientSecret } from '../../modules/oauth/clients.ts';
import { ExpiresIn, Json, OrgSlug, required } from '../args.ts';
import { failed, ok, usage, type CliResult } from '../result.ts';
import { inOrg, type CliOrg } from '../in-org.ts';
import { CLI_ACTOR } from '../../core/audit.ts';

/**
 * A rotate command's arguments: the org, the credential's id (`idMessage`: what it must be), and
 * `--overlap 24h` (or `0m`): how long the old credential keeps working.
 */
const rotateArgs = (idMessage: string) => z.object({ org: OrgSlug, id: required().pipe(z.uuid(idMessage)), overlap: ExpiresIn, json: Json });

/** What both rotate commands check first: the overlap within the API's bounds, and the org; then `rotate` in it. */
async function rotateInOrg(
  db: Database,
  args: { org: string; overlap: number | undefined },
  rotate: (org: CliOrg, overlapSeconds: number) => Promise<CliResult>,
): Promise<CliResult> {
  const overlap = args.overlap ?? API_KEY_LIMITS.defaultOverlapSeconds;
  if (overlap > API_KEY_LIMITS.maxOverlapSeconds) return usage(`error: --overlap: must be at most ${API_KEY_LIMITS.maxOverlapSeconds / 86_400} days`);
  return inOrg(db, args.org, (org) => rotate(org, overlap));
}

export const ConnectionRotateArgs = rotateArgs('must be a connection id (a UUID, see "connection list")');
export type ConnectionRotateArgs = z.output<typeof ConnectionRotateArgs>;

/** `connection rotate <id>`: a new API key in place of the old one, which keeps working for the overlap (as the API's rotate does). */
export function connectionRotateCommand(db: Database, args: ConnectionRotateArgs): Promise<CliResult> {
  return rotateInOrg(db, args, async (org, overlap) => {
    const rotated = await rotateApiKey(db, org.id, args.id, { overlapSeconds: overlap, createdByUserId: null }, CLI_ACTOR);
    if (!rotated) return failed(`API key not found in org ${org.slug} (or revoked): ${args.id}`);
    const oldEnds = rotated.previous.expires_at?.toISOString() ?? null;
    if (args.json) {
      return ok(JSON.stringify({ api_key: rotated.apiKey, id: rotated.connection.id, name: rotated.connection.name, expires_at: rotated.connection.expires_at?.toISOString() ?? null, previous: { id: rotated.previous.id, expires_at: oldEnds } }));
    }
    return ok(
      `Rotated "${rotated.connection.name}": new connection ${rotated.connection.id}\n` +
        `API key (shown once): ${rotated.apiKey}\n` +
        `The old key (${rotated.previous.id}) works until ${oldEnds}.`,
    );
  });
}

export const OAuthClientRotateArgs = rotateArgs('must be an OAuth client id (a UUID, see "oauth-client list")');
export type OAuthClientRotateArgs = z.output<typeof OAuthClientRotateArgs>;

/** `oauth-client rotate-secret <id>`: a new client secret; the previous one works for the overlap. */
export function oauthClientRotateCommand(db: Database, args: OAuthClientRotateArgs): Promise<CliResult> {
  return rotateInOrg(db, args, async (org, overlap) => {
    const rotated = await rotateOAuthClientSecret(db, org.id, args.id, overlap, CLI_ACTOR);
    if (!rotated) return failed(`OAuth client not found in org ${org.slug} (or revoked, expired, or without a secret): ${args.id}`);
    const oldEnds = rotated.client.previous_secret_expires_at?.toISOString() ?? null;
    if (args.json) {
      return ok(JSON.stringify({ id: rotated.client.id, client_id: rotated.client.client_id, client_secret: rotated.clientSecret, previous_secret_expires_at: oldEnds }));
    }
    return ok(
      `Rotated the secret of "${rotated.client.name}" (${rotated.client.client_id})\n` +
        `client_secret (shown once): ${rotated.clientSecret}\n` +
        `The previous secret works until ${oldEnds}.`,
    );
  });
}
