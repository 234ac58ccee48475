/** Test-only: what the answer-form tests of decision links share (a request asking for an answer, its mailed links, a form body). */
import { approvalBody, seedOrg, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import type { TestSmtpServer } from '../../testing/smtp.ts';
import { linkIn } from '../../testing/decision-links.ts';
export { REFUND } from '../../testing/refund-request.ts';

/** A request in a fresh org with one approver, alice, and the path of her email's Approve link. */
export async function mailed(s: TestServer, mail: TestSmtpServer, body: Record<string, unknown>): Promise<{ seed: SeededOrg; id: string; approve: string; reject: string; alice: { id: string; email: string } }> {
  const seed = await seedOrg(s.db);
  const alice = await seed.addUser('approver', `alice-${seed.org.slug}@example.test`);
  const id = ((await s.http(seed.key).post('/api/v1/approvals').send(approvalBody(body)).expect(201)).body as { id: string }).id;
  await mail.until(() => mail.to(alice.email).length === 1);
  const text = mail.to(alice.email)[0]!.text;
  return { seed, id, alice, approve: linkIn(text, 'Approve'), reject: linkIn(text, 'Reject') };
}

/** A urlencoded body where a name may repeat (a group of checkboxes), as a browser sends it. */
export const formBody = (fields: [string, string][]) => new URLSearchParams(fields).toString();

