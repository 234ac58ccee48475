import { POLICY_REPLAY_LIMITS, type Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { ApiError } from '../../errors.ts';
import { actorOf } from '../../core/audit.ts';
import { replacePolicySet } from './policies.ts';
import { replay } from './replay.ts';

/** Who decided a request, as replay reports it, when that was not a person: a policy or Greenlight itself (expiry). */
const NOT_A_PERSON = new Set(['policy', 'system']);

/**
 * `PUT /policies`. A set that, replayed against the latest decided requests (as `POST /policies/replay`
 * replays it, with its default limit), would approve a request a person rejected is saved only with
 * `confirm_approves_rejected`: otherwise 409 CONFIRMATION_REQUIRED lists those requests. A rejection by a
 * policy or by the expiry sweep is no person's; a revoked approval is (someone revoked it).
 */
export const putPolicies: Handler<Routes['putPolicies']> = async ({ auth, body, deps }) => {
  if (!body.confirm_approves_rejected) {
    const replayed = await replay(deps, auth.org.id, { source: body.source, never_without_person: body.never_without_person, limit: POLICY_REPLAY_LIMITS.default });
    const rejectedByPeople = replayed.disagreements.filter((d) => d.candidate === 'approve' && d.decided === 'rejected' && !NOT_A_PERSON.has(d.decided_by_type ?? ''));
    if (rejectedByPeople.length > 0) {
      const n = rejectedByPeople.length;
      throw new ApiError(
        'CONFIRMATION_REQUIRED',
        `these policies would approve ${n === 1 ? '1 request' : `${n} requests`} a person rejected (of the latest ${replayed.replayed} decided): ` +
          'review them, then save with confirm_approves_rejected: true to confirm',
        { approves_rejected: n, replayed: replayed.replayed, disagreements: rejectedByPeople },
      );
    }
  }
  return { status: 200, body: await replacePolicySet(deps, auth.org.id, body, actorOf(auth)) };
};
