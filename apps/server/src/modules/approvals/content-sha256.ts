import { createHash } from 'node:crypto';
import { canonicalize } from 'json-canonicalize';
import type { ApprovalRow } from './serialize.ts';

/**
 * What approvers decide on, bound to the decision (issue 3, item 8): SHA-256 (hex) of the RFC 8785
 * (JCS) canonical JSON of `{title, description, metadata, changes}`, computed from the stored row as
 * the API shows it (`changes` null when none were given). JCS fixes key order, number formatting and
 * string escaping, so any client can recompute the digest from a GET of the request with a JCS
 * library and compare it with the `approved_content_sha256` of the decision event.
 *
 * The fields hashed are immutable after creation (nothing updates them), so the digest on a pending
 * request is the one its decision will carry.
 */
export function contentSha256(a: Pick<ApprovalRow, 'title' | 'description' | 'metadata' | 'changes'>): string {
  const canonical = canonicalize({ title: a.title, description: a.description, metadata: a.metadata, changes: a.changes ?? null });
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}
