/**
 * The approval's rules, as TypeScript calls them. Each rule is written once, in SQL, in
 * storage/functions/greenlight_rules.sql (the transitions in storage/functions/ call the same
 * functions under their locks); these are typed wrappers, each naming the function it calls, so
 * go-to-definition lands here and one search for the name lands on the rule.
 */
import { ViewerCan, type Approval } from '@greenlight/contract';
import type { Database, Queryable } from '../../storage/database.ts';
import { isDatabase, ReadBatcher } from '../../storage/batcher.ts';
import { STEP_UP_REASON, stepUpFactsSql, stepUpMissingIn, stepUpSessionOf, type StepUpFacts } from './step-up.ts';
import { grantFactsSql, grantPermission, type GrantFacts } from './grant-permission.ts';

/** Who asks what the viewer may do: the principal, the person behind it (null for an API key), and what the credential may do. */
export interface Asker {
  principal: { type: 'connection' | 'user'; id: string };
  user: { id: string; role: 'admin' | 'approver' | 'viewer' } | null;
  scopes: readonly string[];
  /** Set for a dashboard session: whether it is stepped up decides `step_up_required` (step-up.ts). */
  sessionTokenHash?: string;
}

/**
 * A person acting in one of Greenlight's own channels (a Slack message, an email's decision link):
 * no credential narrows what they may do, only their role in the org does.
 */
export const personAsker = (userId: string, role: 'admin' | 'approver' | 'viewer'): Asker => ({
  principal: { type: 'user', id: userId },
  user: { id: userId, role },
  scopes: ['approvals:write', 'comments:write'],
});

/** The columns read with a request that say what an asker may do with it (viewerCanColumns). */
export type CanColumns = { can: Omit<ViewerCan, 'grant'> | null } & GrantFacts & StepUpFacts;
type CanRow = { ord: number; id: string } & CanColumns;
/** One caller's question: what `who` may do with each of `ids`. */
interface CanAsk {
  who: Asker;
  ids: readonly string[];
}

/** What a statement tells greenlight_viewer_can and the step-up rule about the asker, by name: each an SQL expression. */
type AskerSql = Record<'id' | 'principal_type' | 'principal_id' | 'user_id' | 'role' | 'may_write' | 'may_comment' | 'session', string>;

/** The columns that say what an asker may do with the request of alias `a`: the SQL rule's answer (`can`) and what the step-up and grant rules read. */
const canColumnsSql = (a: string, x: AskerSql): string =>
  `greenlight_viewer_can(${x.id}, ${x.principal_type}, ${x.principal_id}, ${x.user_id}, ${x.role}, ${x.may_write}, ${x.may_comment}) AS can,
       ${grantFactsSql(a, x.user_id)}, ${stepUpFactsSql(a, x.session, x.user_id)}`;

/** An asker as the values of a statement: what greenlight_viewer_can and the step-up rule are told. */
export const askerFacts = (who: Asker) => ({
  principal_type: who.principal.type,
  principal_id: who.principal.id,
  user_id: who.user?.id ?? null,
  role: who.user?.role ?? null,
  may_write: who.scopes.includes('approvals:write'),
  may_comment: who.scopes.includes('comments:write'),
  session: stepUpSessionOf(who),
});

/** An asker as greenlight_viewer_can_asks takes it, in each ask beside `ord` and `id` (askerFacts). */
const ASK_COLUMNS = 'principal_type text, principal_id uuid, user_id uuid, role text, may_write boolean, may_comment boolean, session text';

/**
 * What each asker may do with each of its requests (greenlight_viewer_can), for any number of askers in
 * one statement: a row per asker and request (`ord` names the asker), with what the step-up rule and
 * the grant rule read (`columns` names them: each column, or all of them as one JSON value). The asks
 * travel as one JSON array rather than as arrays of columns: Postgres
 * knows the length of an array parameter when it plans, so it planned every execution anew for its
 * row count (about 1 ms a statement, more than running it); a JSON parameter's row count is unknown
 * either way, so after its fifth run the connection keeps one generic plan. That plan must not depend
 * on the table's size when it was made (it guesses 100 asks, and a young table's hash join would then
 * scan a grown one): each request is read by its key (LATERAL, kept apart from the join by OFFSET 0),
 * and so is what is read beside it (its steps, the caller's sessions), inside that lookup: over a
 * hundred guessed asks, a subquery hashed once per statement, which reads all of its table, looked
 * cheaper than a lookup per ask. A request that does not exist has no row there, and no answer.
 */
const asksSql = (asks: string, columns: (alias: string) => string): string => `
SELECT x.ord, x.id, ${columns('c')}
  FROM jsonb_to_recordset(${asks})
         AS x (ord int, id uuid, ${ASK_COLUMNS})
  LEFT JOIN LATERAL (
    SELECT ${canColumnsSql('a', {
      id: 'x.id', principal_type: 'x.principal_type', principal_id: 'x.principal_id', user_id: 'x.user_id',
      role: 'x.role', may_write: 'x.may_write', may_comment: 'x.may_comment', session: 'x.session',
    })}
      FROM approvals a WHERE a.id = x.id OFFSET 0) c ON true`;

/** The statement of viewerCanMany: `$1` the asks, each with `ord`, `id` and the asker's facts (askerFacts). */
export const VIEWER_CAN_SQL = asksSql('$1::jsonb', (c) => `${c}.*`);

/**
 * The same, for the database's own statements: the body of greenlight_viewer_can_asks (written by
 * `pnpm generate` from this), which answers each ask's columns as one JSON value (`can_columns`, read
 * back with {@link viewerCanOfRow}). A create answers its creator with it (greenlight_create_approvals),
 * in the statement that wrote the request, instead of a statement of its own after the commit.
 */
export const VIEWER_CAN_ASKS_SQL = asksSql('p_asks', (c) => `to_json(${c}) AS can_columns`);

/** What the create statement is told of the asker who waits for its answer (CreateItem `viewer`). */
export type AskerFacts = ReturnType<typeof askerFacts>;

/**
 * For a statement that reads a request anyway: the columns of what `who` may do with it (`a` is the
 * request's alias), so the answer needs no statement of its own. `param` adds a value to the
 * statement and gives its placeholder. Read the answer back with {@link viewerCanOfRow}.
 */
export function viewerCanColumns(a: string, who: Asker, param: (value: unknown) => string): string {
  const v = askerFacts(who);
  return canColumnsSql(a, {
    id: `${a}.id`,
    principal_type: `${param(v.principal_type)}::text`,
    principal_id: `${param(v.principal_id)}::uuid`,
    user_id: `${param(v.user_id)}::uuid`,
    role: `${param(v.role)}::text`,
    may_write: `${param(v.may_write)}::boolean`,
    may_comment: `${param(v.may_comment)}::boolean`,
    session: `${param(v.session)}::text`,
  });
}

async function viewerCanStatement(db: Queryable, asks: readonly CanAsk[]): Promise<Map<string, ViewerCan>[]> {
  const rowsOf = asks.flatMap(({ who, ids }, ord) => [...new Set(ids)].map((id) => ({ ord, id, ...askerFacts(who) })));
  const { rows } = rowsOf.length === 0 ? { rows: [] as CanRow[] } : await db.query<CanRow>(VIEWER_CAN_SQL, [JSON.stringify(rowsOf)], { prepare: 'viewer_can_asks' });
  return asks.map(({ who }, ord) => {
    const answers = new Map<string, ViewerCan>();
    for (const r of rows) {
      const can = r.ord === ord ? viewerCanOfRow(who, r) : null;
      if (can) answers.set(r.id, can);
    }
    return answers;
  });
}

/**
 * What `who` may do with a request read with {@link viewerCanColumns} (or by the batch statement): the
 * SQL rule's answer, then the step-up rule, then the grant rule; null when it does not exist.
 */
export function viewerCanOfRow(who: Asker, row: CanColumns): ViewerCan | null {
  let can = row.can;
  if (!can) return null;
  // The step-up rule (step-up.ts) refuses only what nothing else does: decisions otherwise allowed.
  if (can.decide.allowed && stepUpMissingIn(row)) {
    can = {
      ...can,
      decide: {
        allowed: false,
        reason: STEP_UP_REASON,
        reason_code: 'step_up_required',
        steps: [],
        approve: can.decide.approve.allowed ? { allowed: false, reason: STEP_UP_REASON } : can.decide.approve,
      },
    };
  }
  // `grant` is the one entry not written in SQL: it needs the policies' never-without-a-person test
  // (grant-permission.ts); read after the step-up rule, so a decision it refuses gives no grant either.
  return ViewerCan.parse({ ...can, grant: grantPermission(who, can, row) });
}

const batchers = new WeakMap<Database, ReadBatcher<CanAsk, Map<string, ViewerCan>>>();
function batcherOf(db: Database): ReadBatcher<CanAsk, Map<string, ViewerCan>> {
  let b = batchers.get(db);
  if (!b) {
    // PGlite runs one statement at a time: a second in flight would only wait there, and split the batch.
    b = new ReadBatcher((asks) => viewerCanStatement(db, asks), (ask) => ask.ids.length, db.kind === 'pglite' ? 1 : 4);
    batchers.set(db, b);
  }
  return b;
}

/**
 * What `who` may do with each request (greenlight_viewer_can). A request that does not exist has no
 * entry. On the database itself, the asks of callers at the same moment share one statement
 * (ReadBatcher); on a transaction, its own statement in that transaction.
 */
export async function viewerCanMany(db: Queryable, who: Asker, approvalIds: readonly string[]): Promise<Map<string, ViewerCan>> {
  if (approvalIds.length === 0) return new Map();
  const ask = { who, ids: approvalIds };
  return isDatabase(db) ? batcherOf(db).ask(ask) : (await viewerCanStatement(db, [ask]))[0]!;
}

/** What `who` may do with one request (greenlight_viewer_can); null when it does not exist. */
export async function viewerCan(db: Queryable, who: Asker, approvalId: string): Promise<ViewerCan | null> {
  return (await viewerCanMany(db, who, [approvalId])).get(approvalId) ?? null;
}

/** The requests with what the caller may do with each (`viewer_can`), read in one statement. */
export async function withViewerCan<A extends Approval>(db: Queryable, auth: Asker, approvals: A[]): Promise<A[]> {
  const can = await viewerCanMany(db, auth, approvals.map((a) => a.id));
  return approvals.map((a) => withCan(a, can.get(a.id) ?? null));
}

/** A request with what the caller may do with it (`viewer_can`), when that is known. */
export const withCan = <A extends Approval>(approval: A, can: ViewerCan | null): A => (can ? { ...approval, viewer_can: can } : approval);

/** {@link withViewerCan} of one request. */
export async function oneWithViewerCan<A extends Approval>(db: Queryable, auth: Asker, approval: A): Promise<A> {
  return (await withViewerCan(db, auth, [approval]))[0]!;
}

/**
 * Who is asked to decide a pending request now, as user ids (greenlight_asked_now): the people its
 * active steps ask, teams and delegation applied, or without steps every approver and admin not away;
 * never the requester. Empty when the request is not pending or not found.
 */
export async function askedNow(db: Queryable, approvalId: string): Promise<string[]> {
  // Prepared: planning the rule's inlined functions costs ~2 ms, five times its execution; the
  // connection's generic plan (index lookups by the request's id) serves every request alike.
  const { rows } = await db.query<{ user_id: string }>('SELECT DISTINCT x.user_id FROM greenlight_asked_now($1) x ORDER BY 1', [approvalId], { prepare: 'asked_now' });
  return rows.map((r) => r.user_id);
}

/** The SQL condition "the request `a` asks `userSql` now and they have not voted on that step" (greenlight_asked_now), for the reviewer's inbox. */
export const askedNowAndNotVotedSql = (approvalSql: string, userSql: string): string =>
  `EXISTS (SELECT 1 FROM greenlight_asked_now(${approvalSql}, ${userSql}) x
            WHERE NOT EXISTS (SELECT 1 FROM approval_votes v WHERE v.approval_id = ${approvalSql} AND v.step_order = x.step_order AND v.voter_user_id = ${userSql}))`;

/** The SQL expression of the person behind a request's requester (greenlight_requester_person), for a request aliased `a`. */
export const requesterPersonSql = (alias = 'a'): string => `greenlight_requester_person(${alias}.requested_by_type, ${alias}.requested_by_id)`;

/** The SQL condition "`principal` or the person `user` cast an approving vote on the request" (greenlight_approved_by): who may revoke. */
export const approvedBySql = (approvalSql: string, principalSql: string, userSql: string): string =>
  `greenlight_approved_by(${approvalSql}, ${principalSql}, ${userSql})`;
