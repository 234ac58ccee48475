import { z } from 'zod';
import { API_KEY_LIMITS } from '@greenlight/contract';
import type { Database } from '../../storage/database.ts';
import { findOrgBySlug } from '../../modules/orgs/create-org.ts';
import { rotateApiKey } from '../../modules/connections/connections.ts';
import { rotateOAuthClientSecret } from '../../modules/oauth/clients.ts';
import { ExpiresIn, Json, OrgSlug, required } from '../args.ts';
import { failed, ok, usage, type CliResult } from '../result.ts';
import { CLI_ACTOR } from '../../core/audit.ts';

/** `--overlap 24h` (or `0m`): how long the old credential keeps working, within the API's bounds. */
const Overlap = ExpiresIn;

function overlapOf(seconds: number | undefined): number | { error: string } {
  const s = seconds ?? API_KEY_LIMITS.defaultOverlapSeconds;
  if (s > API_KEY_LIMITS.maxOverlapSeconds) return { error: `--overlap: must be at most ${API_KEY_LIMITS.maxOverlapSeconds / 86_400} days` };
  return s;
}

export const ConnectionRotateArgs = z.object({
  org: OrgSlug,
  id: required().pipe(z.uuid('must be a connection id (a UUID, see "connection list")')),
  overlap: Overlap,
  json: Json,
});
export type ConnectionRotateArgs = z.output<typeof ConnectionRotateArgs>;

/** `connection rotate <id>`: a new API key in place of the old one, which keeps working for the overlap (as the API's rotate does). */
export async function connectionRotateCommand(db: Database, args: ConnectionRotateArgs): Promise<CliResult> {
  const overlap = overlapOf(args.overlap);
  if (typeof overlap !== 'number') return usage(`error: ${overlap.error}`);
  const org = await findOrgBySlug(db, args.org);
  if (!org) return failed(`org not found: ${args.org}`);
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
}

export const OAuthClientRotateArgs = z.object({
  org: OrgSlug,
  id: required().pipe(z.uuid('must be an OAuth client id (a UUID, see "oauth-client list")')),
  overlap: Overlap,
  json: Json,
});
export type OAuthClientRotateArgs = z.output<typeof OAuthClientRotateArgs>;

/** `oauth-client rotate-secret <id>`: a new client secret; the previous one works for the overlap. */
export async function oauthClientRotateCommand(db: Database, args: OAuthClientRotateArgs): Promise<CliResult> {
  const overlap = overlapOf(args.overlap);
  if (typeof overlap !== 'number') return usage(`error: ${overlap.error}`);
  const org = await findOrgBySlug(db, args.org);
  if (!org) return failed(`org not found: ${args.org}`);
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
}
