/**
 * The step-up rule: which requests only a person whose dashboard session was confirmed with a passkey
 * (sessions.stepped_up_until, set by modules/passkeys) may decide, and whether a caller is such a
 * person now. The decision transition (state-machine.ts `vote`) enforces it and viewer_can (rules.ts)
 * foretells it, both reading {@link stepUpFactsSql} and judging with {@link stepUpMissingIn}; nothing
 * else restates it.
 *
 * Fails closed: only a `user` principal carrying the hash of a live dashboard session counts. An email
 * link, a chat button, an API key (for a person or for nobody), an OAuth connection or MCP carries no
 * session, so it never decides a covered request.
 *
 * A standing grant never approves a covered request (core/deciders/grant.ts asks {@link stepUpCovers}):
 * it is a person's approval given earlier, without a step-up for this request. Not covered: what no
 * person decides — an admin's policy, an expiry's auto-decision — which `never_without_person` governs.
 */
import { compileGlob } from '../routing.ts';

/** The words viewer_can shows for `step_up_required`, and the refusal's message. */
export const STEP_UP_REASON = 'Confirm with your passkey: this organization requires it to decide such requests';

/** Who would decide: the acting principal, the person behind it, and the dashboard session it came through. */
export interface StepUpCaller {
  principal: { type: 'connection' | 'user'; id: string };
  user: { id: string } | null;
  /** SHA-256 of the dashboard session's token; absent for every other credential and channel. */
  sessionTokenHash?: string;
}

const compiled = new Map<string, ((v: string) => boolean)[]>();

/** The org's globs, compiled once per distinct list (saved globs compiled when they were saved). */
function matchersOf(globs: readonly string[]): ((v: string) => boolean)[] {
  const key = JSON.stringify(globs);
  let m = compiled.get(key);
  if (!m) {
    // A glob that no longer compiles matches everything: refuse rather than let a covered request through.
    m = globs.map((g) => {
      try {
        return compileGlob(g);
      } catch {
        return () => true;
      }
    });
    if (compiled.size > 1000) compiled.clear();
    compiled.set(key, m);
  }
  return m;
}

/** Whether the org's setting covers a request of this priority and action type. */
export function stepUpCovers(setting: { priorities: readonly string[]; action_types: readonly string[] }, r: { priority: string; action_type: string | null }): boolean {
  if (setting.priorities.includes(r.priority)) return true;
  return r.action_type !== null && matchersOf(setting.action_types).some((m) => m(r.action_type!));
}

/** The session of a caller that can have stepped up (a person's dashboard session), else null: nothing else ever has. */
export const stepUpSessionOf = (who: StepUpCaller): string | null =>
  who.principal.type === 'user' && who.user && who.sessionTokenHash ? who.sessionTokenHash : null;

/**
 * What the rule reads of a request of table alias `a`, as columns of another statement (viewer_can's,
 * rules.ts), so that telling a viewer costs no statement of its own: the org's setting, and whether the
 * session (`$session`, with its person `$user`; both null for any other caller) stepped up.
 */
export const stepUpFactsSql = (a: string, session: string, user: string): string =>
  `(SELECT o.step_up_priorities FROM orgs o WHERE o.id = ${a}.org_id) AS step_up_priorities,
   (SELECT o.step_up_action_types FROM orgs o WHERE o.id = ${a}.org_id) AS step_up_action_types,
   ${session}::text IS NOT NULL AND EXISTS (SELECT 1 FROM sessions s WHERE s.token_hash = ${session} AND s.user_id = ${user}::uuid AND s.org_id = ${a}.org_id
            AND s.expires_at > now() AND s.stepped_up_until > now()) AS stepped_up`;

export interface StepUpFacts {
  priority: string;
  action_type: string | null;
  step_up_priorities: string[] | null;
  step_up_action_types: string[] | null;
  stepped_up: boolean;
}

/** Whether a request read with {@link stepUpFactsSql} may be decided by that caller only after a step-up they have not made. */
export const stepUpMissingIn = (r: StepUpFacts): boolean =>
  !r.stepped_up && stepUpCovers({ priorities: r.step_up_priorities ?? [], action_types: r.step_up_action_types ?? [] }, r);

