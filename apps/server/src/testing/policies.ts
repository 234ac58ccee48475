import type { SeededOrg, TestServer } from './harness.ts';
import { signedIn } from './session.ts';

/**
 * A policy set for tests of what waiters see of an auto-decision: `read.*` requests approved by
 * `reads-are-safe`, `db.drop` rejected by `no-drops` with the reason "dropping needs a person".
 */
export const READS_AND_DROPS = `@id("reads-are-safe")
@reason("reads are safe")
permit (principal, action, resource) when { resource has action_type && resource.action_type like "read.*" };

@id("no-drops")
@reason("dropping needs a person")
forbid (principal, action, resource) when { resource has action_type && resource.action_type == "db.drop" };
`;

/** Replaces the org's policy set (as its admin, through the API), keeping critical requests for people. */
export async function usePolicies(server: TestServer, seed: SeededOrg, source: string = READS_AND_DROPS): Promise<void> {
  const admin = await signedIn(server, seed);
  const current = (await admin.http().get('/api/v1/policies').expect(200)).body.version as number;
  await admin.http().put('/api/v1/policies').send({ source, never_without_person: { priorities: ['critical'], action_types: [] }, expected_version: current }).expect(200);
}
