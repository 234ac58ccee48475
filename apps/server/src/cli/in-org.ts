import type { Database } from '../storage/database.ts';
import { findOrgBySlug } from '../modules/orgs/create-org.ts';
import { failed, type CliResult } from './result.ts';

export type CliOrg = NonNullable<Awaited<ReturnType<typeof findOrgBySlug>>>;

/** Runs a command in the org its `--org` names; an unknown slug fails (exit 1) with the same words for every command. */
export async function inOrg(db: Database, slug: string, run: (org: CliOrg) => Promise<CliResult>): Promise<CliResult> {
  const org = await findOrgBySlug(db, slug);
  return org ? run(org) : failed(`org not found: ${slug}`);
}
