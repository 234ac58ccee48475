/**
 * Whether a viewer may give a standing grant with their approval of a request: the `grant` entry of
 * `viewer_can`, and the check `PATCH /approvals/{id}` makes of a `grant` before the vote (through
 * `viewer_can`, so the two cannot disagree). What depends on the grant's own scope (its globs, its
 * agent session, a pinned priority) is checked where it is given (modules/grants/give-grant.ts).
 */
import { DEFAULT_NEVER_WITHOUT_PERSON, type NeverWithoutPerson, type ViewerCan, type ViewerPermission } from '@greenlight/contract';
import { compilePolicySet } from '../deciders/policy.ts';

/** What the rule reads of a request, read with its `viewer_can` (rules.ts, viewerCanMany). */
export interface GrantFacts {
  connection_id: string | null;
  /** The person the connection acts for (an OAuth grant's person), if any. */
  connection_person: string | null;
  priority: string;
  action_type: string | null;
  /** The org's classes that never go without a person; null: the default. */
  never: NeverWithoutPerson | null;
  /** One approval completes it: `required_approvals` 1, at most one step pending, each step's quorum 1 (null: not read). */
  one_vote_decides: boolean | null;
}

/**
 * The SQL columns of GrantFacts, for a request aliased `a` (null columns when it does not exist), as
 * `user` (an SQL expression: the person behind the asker) would be judged. For an asker without a
 * person (an API key) the rule refuses before it looks at a fact, so those its first check does not
 * need are not read (null): a key's create answer and lists ask this of every request.
 */
export const grantFactsSql = (a: string, user: string): string => `${a}.connection_id, ${a}.priority, ${a}.action_type,
  CASE WHEN ${user} IS NOT NULL THEN (SELECT gc.user_id FROM connections gc WHERE gc.id = ${a}.connection_id) END AS connection_person,
  CASE WHEN ${user} IS NOT NULL THEN (SELECT ps.never_without_person FROM policy_sets ps WHERE ps.org_id = ${a}.org_id) END AS never,
  CASE WHEN ${user} IS NOT NULL THEN
    (${a}.required_approvals = 1
     AND NOT EXISTS (SELECT 1 FROM approval_steps gs WHERE gs.approval_id = ${a}.id AND gs.quorum IS DISTINCT FROM 1)
     AND (SELECT count(*) FROM approval_steps gs WHERE gs.approval_id = ${a}.id AND gs.status = 'pending') <= 1) END AS one_vote_decides`;

/** The words of the refusal an API key gets: nobody's consent stands behind a key. */
export const GRANT_BY_KEY_REFUSAL = 'A grant is given by a person: an API key cannot give one';

const needsPersonCache = new Map<string, (r: { priority: string; action_type: string | null }) => boolean>();

/** The policy set's own never-without-a-person test for a list of classes (no Cedar text: only the classes). */
function needsPerson(never: NeverWithoutPerson): (r: { priority: string; action_type: string | null }) => boolean {
  const key = JSON.stringify(never);
  let test = needsPersonCache.get(key);
  if (!test) {
    const set = compilePolicySet(0, '', never, { saved: true });
    test = (r) => set.needsPerson(r as Parameters<typeof set.needsPerson>[0]);
    if (needsPersonCache.size > 1000) needsPersonCache.clear();
    needsPersonCache.set(key, test);
  }
  return test;
}

const refusal = (reason: string): ViewerPermission => ({ allowed: false, reason });

/**
 * May `who` give a grant with an approval of this request, and why not: a person (an API key carries
 * nobody's consent), who may approve it now (the vote's own refusal otherwise, `viewer_can.decide`), of
 * a request a connection asked (the grantee) that is not one acting for the viewer, not of a class that
 * never goes without a person, and whose one approval decides it (a grant repeats such an approval).
 * Fails closed: anything unknown refuses.
 */
export function grantPermission(who: { user: { id: string } | null }, can: Pick<ViewerCan, 'decide'>, facts: GrantFacts): ViewerPermission {
  if (!who.user) return refusal(GRANT_BY_KEY_REFUSAL);
  if (!can.decide.allowed) return refusal(can.decide.reason ?? 'You cannot decide this request');
  if (!can.decide.approve.allowed) return refusal(can.decide.approve.reason ?? 'You cannot approve this request');
  if (facts.connection_id === null) {
    return refusal('Not asked by a connection (an API key or an OAuth grant): a grant is given to the connection that asked');
  }
  if (facts.connection_person === who.user.id) return refusal('The connection that asked acts for you: a grant never approves your own requests');
  if (needsPerson(facts.never ?? DEFAULT_NEVER_WITHOUT_PERSON)(facts)) {
    return refusal(`A ${facts.priority} request${facts.action_type ? ` of action type ${facts.action_type}` : ''} never goes without a person`);
  }
  if (!facts.one_vote_decides) return refusal('Your approval alone does not decide this request, and a grant repeats one that does');
  return { allowed: true };
}
