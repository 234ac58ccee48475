import { randomUUID } from 'node:crypto';
import { PRIORITIES, type GiveGrant, type Grant } from '@greenlight/contract';
import type { AppDeps } from '../../context.ts';
import type { Queryable } from '../../storage/database.ts';
import { ApiError, notFound } from '../../errors.ts';
import { approvalInOrg, type ApprovalRow } from '../../core/approval-record.ts';
import { decide, GRANT_BY_KEY_REFUSAL, viewerCan, type Asker, type Decided, type DecideOptions, type VoteInput } from '../../core/approvals/index.ts';
import type { Caller } from '../../core/events.ts';
import { recordAudit } from '../../core/audit.ts';
import { compileGlob, GlobError } from '../../core/routing.ts';
import { agentSessionOf, insertGrant, toGrant } from '../../core/deciders/grant.ts';
import { policySetFor } from '../policies/policies.ts';

const refused = (path: string, message: string) =>
  new ApiError('VALIDATION_ERROR', `${path}: ${message}`, { location: 'body', issues: [{ path, code: 'custom', message }] });

function checkGlob(path: string, glob: string): void {
  try {
    compileGlob(glob);
  } catch (err) {
    if (!(err instanceof GlobError)) throw err;
    throw refused(path, `"${glob}" is not a valid glob: ${err.message}`);
  }
}

/**
 * Who gives a grant: a caller of the API, or a member acting in one of Greenlight's own channels (Slack,
 * an email's decision page), as the vote's caller and the viewer `viewer_can` is read for.
 */
export type Giver = Caller & Asker;

/** What a grant given on a request will be, once its checks passed. */
export interface GrantPlan {
  input: GiveGrant;
  actionType: string;
  agentSession: string | null;
  approval: ApprovalRow;
}

/**
 * The checks of a grant given with an approval that can be made before the vote (so that a refusal
 * leaves the vote uncast). Whether this person may give one at all is `viewer_can.grant`
 * (core/approvals/grant-permission.ts), the very entry the dashboard, Slack and the email page show:
 * a refusal there is this 400 (403 for an API key), except when the vote itself is refused, which the
 * vote then answers with its own code (self-approval, a viewer, a closed request). Then what depends on
 * the grant's own scope: well-formed globs, an agent session the request names, no priority pinned to a
 * class that never goes without a person.
 */
export async function planGrant(deps: Pick<AppDeps, 'db' | 'policies'>, auth: Giver, approvalId: string, input: GiveGrant): Promise<GrantPlan> {
  const approval = await approvalInOrg(deps.db, auth.org.id, approvalId);
  if (!approval) throw notFound();
  const can = await viewerCan(deps.db, auth, approval.id);
  if (!can) throw notFound();
  if (!auth.user) throw new ApiError('FORBIDDEN', can.grant.reason ?? GRANT_BY_KEY_REFUSAL);
  if (!can.grant.allowed && can.decide.allowed && can.decide.approve.allowed) throw refused('grant', can.grant.reason!);
  const actionType = input.action_type ?? approval.action_type;
  if (actionType === null) throw refused('grant.action_type', 'this request has no action_type: name the action types the grant covers');
  checkGlob('grant.action_type', actionType);
  for (const [path, pattern] of Object.entries(input.fields ?? {})) checkGlob(`grant.fields.${path}`, pattern);
  const agentSession = input.agent_session ? agentSessionOf(approval.metadata) : null;
  if (input.agent_session && agentSession === null) {
    throw refused('grant.agent_session', 'this request names no agent session (metadata.session_id or metadata.run_id)');
  }
  const set = await policySetFor(deps, auth.org.id);
  const pinned = input.fields?.priority;
  if (pinned !== undefined && PRIORITIES.some((p) => set.needsPerson({ priority: p, action_type: null }) && compileGlob(pinned)(p))) {
    throw refused('grant.fields.priority', `"${pinned}" covers a priority that never goes without a person (never_without_person)`);
  }
  return { input, actionType, agentSession, approval };
}

/**
 * Writes the grant in the vote's transaction, once the vote approved the request (a grant repeats an
 * approval; a vote that leaves the request pending, or a rejection, gives none: the transaction is rolled
 * back with the vote), and its audit entry. The grant never covers its giver's own requests: a connection
 * that is the giver's own OAuth grant is refused.
 */
export async function giveGrant(tx: Queryable, auth: Giver, plan: GrantPlan, status: string): Promise<Grant> {
  if (status !== 'approved') {
    throw refused('grant', 'a grant is given with the approval that decides the request, and this vote leaves it ' + status);
  }
  const { rows } = await tx.query<{ user_id: string | null }>('SELECT user_id FROM connections WHERE id = $1', [plan.approval.connection_id]);
  if (rows[0]?.user_id === auth.user!.id) throw refused('grant', 'the connection that asked acts for you: a grant never approves your own requests');
  const row = await insertGrant(tx, {
    id: randomUUID(),
    orgId: auth.org.id,
    givenBy: auth.user!.id,
    approval: plan.approval,
    agentSession: plan.agentSession,
    actionType: plan.actionType,
    input: plan.input,
  });
  await recordAudit(tx, {
    orgId: auth.org.id,
    actor: { type: auth.principal.type, id: auth.principal.id },
    type: 'grant.created',
    target: { type: 'grant', id: row.id },
    details: {
      approval_id: plan.approval.id,
      connection_id: row.connection_id,
      action_type: row.action_type,
      agent_session: row.agent_session,
      fields: row.fields,
      expires_at: row.expires_at.toISOString(),
      max_uses: row.max_uses,
    },
  });
  return toGrant(row, auth);
}

/**
 * The vote and the grant, in the caller's transaction `tx` (a grant refused after the vote throws, and
 * the transaction rolls the vote back with it). The plan is planGrant's, made before the transaction.
 */
export async function castWithGrant(tx: Queryable, giver: Giver, plan: GrantPlan, vote: VoteInput, options: DecideOptions = {}): Promise<Decided & { grant: Grant }> {
  const d = await decide(tx, giver, plan.approval.id, vote, options);
  return { ...d, grant: await giveGrant(tx, giver, plan, d.approval.status) };
}

/**
 * A vote that gives a standing grant: the grant's checks (planGrant), then the vote and the grant in one
 * transaction. The only way a grant is given: the API's PATCH, Slack's button and the email decision
 * page (castWithGrant in the link's own transaction) all come here.
 */
export async function voteWithGrant(
  deps: Pick<AppDeps, 'db' | 'policies'>,
  giver: Giver,
  approvalId: string,
  vote: VoteInput,
  grant: GiveGrant,
  options: DecideOptions = {},
): Promise<Decided & { grant: Grant }> {
  const plan = await planGrant(deps, giver, approvalId, grant);
  return deps.db.transaction((tx) => castWithGrant(tx, giver, plan, vote, options));
}
