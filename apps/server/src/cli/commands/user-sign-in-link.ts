import { z } from 'zod';
import { EmailAddress } from '@greenlight/contract';
import type { Config } from '../../config.ts';
import type { Database } from '../../storage/database.ts';
import { SIGN_IN_LINK_TTL_MINUTES } from '../../modules/orgs/create-org.ts';
import { randomToken, sha256Hex } from '../../security/tokens.ts';
import { CLI_ACTOR, recordAudit } from '../../core/audit.ts';
import { queueAccountEmail } from '../../channels/email/account-email.ts';
import { OrgSlug, required } from '../args.ts';
import { failed, ok, type CliResult } from '../result.ts';
import { inOrg } from '../in-org.ts';

export const UserSignInLinkArgs = z.object({
  org: OrgSlug,
  email: required().trim().pipe(EmailAddress),
});
export type UserSignInLinkArgs = z.output<typeof UserSignInLinkArgs>;

/**
 * Account recovery without editing the database: a one-time sign-in link (an hour) for a member of
 * the org. Using it clears the forgotten password (account-wide) and ends the account's sessions,
 * then asks for a new password. Whoever runs the CLI can already do anything to the data directory or
 * database; the link is printed to them only, and the audit log records it.
 */
export async function userSignInLinkCommand(db: Database, config: Config, args: UserSignInLinkArgs): Promise<CliResult> {
  return inOrg(db, args.org, async (org) => {
    const token = randomToken();
    const issued = await db.transaction(async (tx) => {
      const { rows } = await tx.query<{ user_id: string; email: string }>(
        `SELECT m.user_id, u.email FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 AND lower(u.email) = lower($2)`,
        [org.id, args.email],
      );
      const member = rows[0];
      if (!member) return false;
      const { rows: link } = await tx.query<{ expires_at: Date }>(
        `INSERT INTO sign_in_tokens (token_hash, user_id, org_id, expires_at, resets_password)
         VALUES ($1, $2, $3, now() + make_interval(mins => $4), true) RETURNING expires_at`,
        [sha256Hex(token), member.user_id, org.id, SIGN_IN_LINK_TTL_MINUTES],
      );
      // With email on, the link also goes to the person's address (the server's delivery worker sends it).
      if (config.mail) {
        await queueAccountEmail(tx, { orgId: org.id, userId: member.user_id, kind: 'sign_in_link', token, expiresAt: link[0]!.expires_at });
      }
      await recordAudit(tx, { orgId: org.id, actor: CLI_ACTOR, type: 'sign_in_link.issued', target: { type: 'user', id: member.user_id }, details: { email: args.email } });
      return true;
    });
    if (!issued) return failed(`no member with the email ${args.email} in org ${org.slug}`);
    return ok(
      [
        `One-time sign-in link for ${args.email} in ${org.slug} (works once, for ${SIGN_IN_LINK_TTL_MINUTES} minutes; it clears the current password and signs the account out everywhere):`,
        `  ${config.publicUrl}/sign-in/${token}`,
        ...(config.mail ? [`It is also being emailed to ${args.email}.`] : []),
      ].join('\n'),
    );
  });
}
