import type { Approval, ViewerPermission } from '@greenlight/contract';

/**
 * What the signed-in person may do with a request is the server's answer (`viewer_can`, computed by
 * the rules that enforce it: greenlight_viewer_can); the dashboard never guesses. A request shown
 * without it (an event pushed live) offers nothing until the server is asked again.
 */
const REFUSED: ViewerPermission = { allowed: false };

export const mayDecide = (a: Approval): ViewerPermission & { reason_code?: 'step_up_required' } => a.viewer_can?.decide ?? REFUSED;
export const mayApprove = (a: Approval): ViewerPermission => a.viewer_can?.decide.approve ?? REFUSED;
export const mayCancel = (a: Approval): ViewerPermission => a.viewer_can?.cancel ?? REFUSED;
export const mayRevoke = (a: Approval): ViewerPermission => a.viewer_can?.revoke ?? REFUSED;
export const mayReassign = (a: Approval): ViewerPermission => a.viewer_can?.reassign ?? REFUSED;

/** Pending first, and among those the ones I may decide (viewer_can); otherwise the server's order (newest first). */
export function inboxOrder(list: Approval[]): Approval[] {
  const rank = (a: Approval) => (mayDecide(a).allowed ? 0 : a.status === 'pending' ? 1 : 2);
  return list
    .map((a, i) => ({ a, i }))
    .sort((x, y) => rank(x.a) - rank(y.a) || x.i - y.i)
    .map((x) => x.a);
}
