import type { Approval } from '@greenlight/contract';
import type { Me } from '../api/session.tsx';

/**
 * Whether the signed-in person may vote on this request as far as the dashboard can tell without
 * asking: pending, not expired, not a viewer, not their own request (four-eyes). The server checks
 * again, with steps, under its lock; a refusal comes back in plain words.
 */
export function canDecide(a: Approval, me: Me | null, now = Date.now()): boolean {
  const user = me?.user;
  if (!user || user.role === 'viewer' || a.status !== 'pending') return false;
  if (a.expires_at && new Date(a.expires_at).getTime() <= now) return false;
  return !(a.requested_by.type === 'user' && a.requested_by.id === user.id);
}

export const isRequester = (a: Approval, me: Me | null): boolean =>
  !!me?.user && a.requested_by.type === 'user' && a.requested_by.id === me.user.id;

/** Pending first, and among those the ones I can decide; otherwise the server's order (newest first). */
export function inboxOrder(list: Approval[], me: Me | null): Approval[] {
  const rank = (a: Approval) => (canDecide(a, me) ? 0 : a.status === 'pending' ? 1 : 2);
  return list
    .map((a, i) => ({ a, i }))
    .sort((x, y) => rank(x.a) - rank(y.a) || x.i - y.i)
    .map((x) => x.a);
}
