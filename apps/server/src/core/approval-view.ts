import { REDACTED_VALUE, type Approval } from '@greenlight/contract';

/**
 * Who a request is shown to. A person (signed in, or through an OAuth grant acting for them) carries
 * their role and the `see_sensitive` permission; a connection (an API key) carries neither.
 * `null`: a receiver that is not the request's own automation (a subscription delivery).
 */
export interface Viewer {
  principal: { type: 'connection' | 'user'; id: string };
  user: { role: 'admin' | 'approver' | 'viewer'; see_sensitive?: boolean } | null;
}

/**
 * Whether the viewer sees the fields the requester marked sensitive: admins, members granted
 * `see_sensitive`, and the requester itself (the automation or person that sent the values). Anyone
 * else (other reviewers, other API keys, subscriptions) sees them masked.
 */
export function seesSensitive(viewer: Viewer | null, a: Pick<Approval, 'requested_by'>): boolean {
  if (viewer === null) return false;
  if (viewer.user?.role === 'admin' || viewer.user?.see_sensitive === true) return true;
  return a.requested_by.type === viewer.principal.type && a.requested_by.id === viewer.principal.id;
}

/**
 * Whether the viewer sees where a request's callback goes (`callback_url`): the principal that
 * created the request (to find its own receiver again) and admins. A callback URL is a capability
 * (an n8n resume URL, a Zapier callback, a Make webhook address: whoever holds it can call what
 * waits there), so other members, other keys and subscriptions see only that one exists
 * (`has_callback`). Waiters do not rely on this: each checks that a callback names the request it
 * made (`isAboutRequest` of @greenlight/triggers), since one receiver may serve many requests.
 */
export function seesCallback(viewer: Viewer | null, a: Pick<Approval, 'requested_by'>): boolean {
  if (viewer === null) return false;
  if (viewer.user?.role === 'admin') return true;
  return a.requested_by.type === viewer.principal.type && a.requested_by.id === viewer.principal.id;
}

/** A copy of `value` with the value at `path` (segments below the root) replaced by the mask; untouched when the path names nothing. */
function maskAt(value: unknown, path: string[]): unknown {
  if (path.length === 0) return REDACTED_VALUE;
  const [key, ...rest] = path as [string, ...string[]];
  if (Array.isArray(value) && /^(0|[1-9][0-9]*)$/.test(key) && Number(key) < value.length) {
    const copy = [...value];
    copy[Number(key)] = maskAt(copy[Number(key)], rest);
    return copy;
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.hasOwn(value, key)) {
    return { ...(value as Record<string, unknown>), [key]: maskAt((value as Record<string, unknown>)[key], rest) };
  }
  return value;
}

/** `metadata` and `changes` with every path of `redact` masked. */
function maskContent<C extends Pick<Approval, 'metadata' | 'changes'>>(content: C, redact: readonly string[]): C {
  let { metadata, changes } = content;
  for (const path of redact) {
    const [root, ...rest] = path.split('.');
    if (root === 'metadata') metadata = maskAt(metadata, rest) as Approval['metadata'];
    else if (root === 'changes' && changes) changes = maskAt(changes, rest) as Approval['changes'];
  }
  return { ...content, metadata, changes };
}

/**
 * The one masking function: the request with every path of `redact` replaced by REDACTED_VALUE, in
 * what was asked and in what was approved (`approved_content`). The edits need none: an editable path
 * is never a sensitive one (the contract refuses the overlap at create), so an edit's before and after
 * are never a masked value. `approved_content_sha256` is left as computed over the full content (what
 * the decision binds).
 */
export function maskSensitive(a: Approval): Approval {
  const redact = a.redact ?? [];
  const approved = a.approved_content ? maskContent(a.approved_content, redact) : a.approved_content;
  return { ...maskContent(a, redact), ...(approved !== undefined && { approved_content: approved }), redacted: true };
}

/**
 * The request as `viewer` may see it: every answer that shows a request to someone goes through
 * here (handlers, long polls, the event stream, subscription deliveries, email and Slack). It hides
 * the callback from those who may not see it (`seesCallback`) and masks the fields marked sensitive
 * (`seesSensitive`). Only a request's own callback and the operator's export use the full
 * `toApproval` output.
 */
export function forViewer(viewer: Viewer | null, a: Approval): Approval {
  const shown = a.callback_url === null || seesCallback(viewer, a) ? a : { ...a, callback_url: null };
  if ((shown.redact ?? []).length === 0 || seesSensitive(viewer, shown)) return shown;
  return maskSensitive(shown);
}
