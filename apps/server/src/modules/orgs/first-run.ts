import type { AppDeps } from '../../context.ts';
import { createOrg, DuplicateError } from './create-org.ts';

/**
 * On an empty database, creates the org "default" and its admin, and prints a one-time
 * sign-in link. There is no default password anywhere.
 */
export async function ensureFirstRun(deps: AppDeps): Promise<void> {
  const { rows } = await deps.db.query<{ n: number }>('SELECT count(*)::int AS n FROM orgs');
  if ((rows[0]?.n ?? 0) > 0) return;
  const email = deps.config.GREENLIGHT_ADMIN_EMAIL;
  let created: Awaited<ReturnType<typeof createOrg>>;
  try {
    created = await createOrg(deps.db, { slug: 'default', name: 'Default', adminEmail: email });
  } catch (err) {
    // Several processes starting together on one empty Postgres: one of them creates the org (and
    // prints the link); the others find it taken between their check and their insert.
    if (err instanceof DuplicateError) return;
    throw err;
  }
  const { org, signInToken } = created;
  const link = `${deps.config.publicUrl}/sign-in/${signInToken}`;
  deps.logger.info({ org: org.slug, admin: email }, 'first run: created org and admin');
  console.log(`\n  First run: org "${org.slug}" created with admin ${email}.\n  One-time sign-in link (valid 1 hour):\n  ${link}\n`);
}
