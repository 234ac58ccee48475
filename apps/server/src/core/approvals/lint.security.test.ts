/**
 * Only core/approvals writes the approval tables (eslint.config.js): the rule that says so, run as
 * `pnpm lint` runs it, on the same code placed inside and outside the module.
 */
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../../../', import.meta.url));
const eslint = new ESLint({ cwd: root });

const RULE_MESSAGE = /only core\/approvals writes the approval tables/;

/** The messages of the rule for `code` as if it were the file at `path` (relative to the repository). */
async function writeRefusals(code: string, path: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}${path}` });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-syntax' || m.fatal).map((m) => m.message);
}

const WRITES: Record<string, string> = {
  'UPDATE in a template': "export const f = (tx: { query(s: string): unknown }) => tx.query(`UPDATE approvals SET updated_at = now() WHERE id = $1`);",
  'INSERT INTO approval_steps in a string': "export const sql = 'INSERT INTO approval_steps AS s (approval_id) VALUES ($1)';",
  'DELETE FROM approval_votes, lower case, over lines': 'export const sql = `delete\n  from approval_votes where approval_id = ${"$1"}`;',
  'UPDATE approval_counts after an interpolation': 'const t = "x"; export const sql = `WITH ${t} AS (SELECT 1) UPDATE approval_counts SET n = 0`;',
  'a transition SQL function called directly': "export const sql = 'SELECT r.* FROM greenlight_decide($1) AS r';",
};

describe('only core/approvals writes the approval tables', () => {
  for (const [name, code] of Object.entries(WRITES)) {
    it(`refuses ${name} in modules/, jobs/ and notify/; allows it in core/approvals/ and in tests`, async () => {
      for (const outside of ['apps/server/src/modules/comments/snippet.ts', 'apps/server/src/jobs/snippet.ts', 'apps/server/src/notify/snippet.ts']) {
        const refusals = await writeRefusals(code, outside);
        expect(refusals, outside).toHaveLength(1);
        expect(refusals[0]).toMatch(RULE_MESSAGE);
      }
      expect(await writeRefusals(code, 'apps/server/src/core/approvals/snippet.ts')).toEqual([]);
      expect(await writeRefusals(code, 'apps/server/src/modules/comments/snippet.happy.test.ts')).toEqual([]);
    });
  }

  it('leaves reads and writes of other tables alone', async () => {
    const code = [
      "export const a = 'SELECT a.id FROM approvals a WHERE a.id = $1 FOR UPDATE';",
      "export const b = `UPDATE approvals_archive SET x = 1`;",
      "export const c = 'INSERT INTO comments (approval_id) VALUES ($1)';",
      "export const d = 'UPDATE timers SET fired_at = now() WHERE id = $1';",
      "export const e = 'SELECT p.user_id FROM approval_steps s, LATERAL greenlight_step_people(s) AS p (user_id)';",
    ].join('\n');
    expect(await writeRefusals(code, 'apps/server/src/modules/comments/snippet.ts')).toEqual([]);
  });

  it('lets the rest of the server reach core/approvals only through its index.ts', async () => {
    const [deep] = await eslint.lintText("export { cancel } from '../../core/approvals/state-machine.ts';\n", {
      filePath: `${root}apps/server/src/modules/approvals/snippet.ts`,
    });
    expect(deep!.messages.map((m) => m.ruleId)).toContain('no-restricted-imports');
    const [index] = await eslint.lintText("export { cancel } from '../../core/approvals/index.ts';\n", {
      filePath: `${root}apps/server/src/modules/approvals/snippet.ts`,
    });
    expect(index!.messages.map((m) => m.ruleId)).not.toContain('no-restricted-imports');
  });
});
