import { ApprovalList, ListApprovalsQuery } from '@greenlight/contract';
import type { AuthContext } from '../context.ts';
import type { SeededOrg, TestServer } from './harness.ts';
import { listApprovalsWith } from '../modules/approvals/list-approvals.ts';

/**
 * Calls the list handler with another counting bound than the server's, so tests reach both sides
 * of it (and both ways of reading a page) with a few requests instead of thousands. The query goes
 * through the contract's parser and the answer through the contract's response schema, as over HTTP.
 */
export async function listWithBound(
  server: TestServer,
  seed: SeededOrg,
  exactTotalUpTo: number,
  qs: string,
  /** The bound that chooses how a page is read (default: `exactTotalUpTo`); the person who lists (default: the org's key). */
  options: { countToChooseUpTo?: number; user?: { id: string; email: string; role: 'admin' | 'approver' | 'viewer' } } = {},
): Promise<ApprovalList> {
  const handler = listApprovalsWith({ countUpTo: exactTotalUpTo, countToChooseUpTo: options.countToChooseUpTo ?? exactTotalUpTo });
  const user = options.user ? { ...options.user, name: null } : null;
  const auth: AuthContext = {
    org: { id: seed.org.id, slug: seed.org.slug, name: seed.org.name, emergency_stop: false },
    principal: user ? { type: 'user', id: user.id, name: null } : { type: 'connection', id: seed.connectionId, name: 'primary' },
    connection: null,
    user,
    scopes: ['approvals:read'],
    rateLimitKey: 'test',
    rateLimit: 100,
    rateLimitWindowSeconds: 3600,
  };
  const query = ListApprovalsQuery.parse(Object.fromEntries(new URLSearchParams(qs)));
  const result = await handler({
    params: {},
    query,
    body: {},
    headers: {},
    auth,
    deps: server.deps,
    log: server.deps.logger,
    requestId: 'req_test',
  } as Parameters<typeof handler>[0]);
  if (result.status !== 200) throw new Error(`list answered ${result.status}`);
  return ApprovalList.parse(result.body);
}
