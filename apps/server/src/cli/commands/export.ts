import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { once } from 'node:events';
import { z } from 'zod';
import type { Database } from '../../storage/database.ts';
import { exportApprovals } from '../../modules/approvals/export-approvals.ts';
import { OrgSlug, required } from '../args.ts';
import { ok, type CliResult } from '../result.ts';
import { inOrg } from '../in-org.ts';

export const ExportArgs = z.object({
  org: OrgSlug,
  since: required().refine((s) => /^\d{4}-\d{2}-\d{2}/.test(s) && !Number.isNaN(Date.parse(s)), 'must be a date or an ISO 8601 time, e.g. 2026-01-31 or 2026-01-31T12:00:00Z').transform((s) => new Date(s)),
  out: z.string().refine(isAbsolute, 'must be an absolute path (the command line makes it one)').optional(),
});
export type ExportArgs = z.output<typeof ExportArgs>;

/**
 * Writes an org's requests created since a moment as JSON Lines, one request per line with its events
 * (`{"approval": …, "events": […]}`): what retention will remove, archived first. To stdout, or with
 * `--out` to a file written whole or not at all (mode 0600).
 */
export async function exportCommand(db: Database, args: ExportArgs): Promise<CliResult> {
  return inOrg(db, args.org, async (org) => {
    if (!args.out) {
      let stdout = '';
      await exportApprovals(db, org.id, args.since, async (item) => {
        stdout += `${JSON.stringify(item)}\n`;
      });
      return { exitCode: 0, stdout, stderr: '' };
    }
    const tmp = `${args.out}.${process.pid}.tmp`;
    const file = createWriteStream(tmp, { flags: 'wx', mode: 0o600 });
    try {
      await once(file, 'open');
      const n = await exportApprovals(db, org.id, args.since, async (item) => {
        if (!file.write(`${JSON.stringify(item)}\n`)) await once(file, 'drain');
      });
      file.end();
      await once(file, 'finish');
      await rename(tmp, args.out);
      return ok(`Exported ${n} request${n === 1 ? '' : 's'} of org ${org.slug} created since ${args.since.toISOString()} to ${args.out}`);
    } catch (err) {
      file.destroy();
      await rm(tmp, { force: true });
      throw err;
    }
  });
}
