import { z } from 'zod';
import { EmailAddress } from '@greenlight/contract';
import type { Config } from '../../config.ts';
import type { Database } from '../../storage/database.ts';
import { createOrg, DuplicateError, SIGN_IN_LINK_TTL_MINUTES } from '../../modules/orgs/create-org.ts';
import { required, SLUG_PATTERN, slugify } from '../args.ts';
import { failed, ok, type CliResult } from '../result.ts';

export const InitArgs = z
  .object({
    org: required().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
    'admin-email': required().trim().pipe(EmailAddress),
    slug: z.string().regex(SLUG_PATTERN, 'must be 1–63 lowercase letters, digits or dashes, starting with a letter or digit').optional(),
  })
  .transform((a, ctx) => {
    const slug = a.slug ?? slugify(a.org);
    if (!SLUG_PATTERN.test(slug)) {
      ctx.addIssue({ code: 'custom', path: ['slug'], message: `cannot derive a slug from "${a.org}"; pass --slug` });
      return z.NEVER;
    }
    return { name: a.org, adminEmail: a['admin-email'], slug };
  });
export type InitArgs = z.output<typeof InitArgs>;

/** Creates an org and its first admin, and prints a one-time sign-in link for that admin. */
export async function initCommand(db: Database, config: Config, args: InitArgs): Promise<CliResult> {
  try {
    const { org, user, signInToken } = await createOrg(db, args);
    return ok(
      [
        `Created org "${org.name}" (slug: ${org.slug}) with admin ${user.email}.`,
        '',
        `One-time sign-in link for ${user.email} (works once, for ${SIGN_IN_LINK_TTL_MINUTES} minutes):`,
        `  ${config.publicUrl}/sign-in/${signInToken}`,
      ].join('\n'),
    );
  } catch (err) {
    if (err instanceof DuplicateError) return failed(`${err.message}; choose another with --slug`);
    throw err;
  }
}
