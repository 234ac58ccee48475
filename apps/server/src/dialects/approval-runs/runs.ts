import { routes, type ApprovalDetail, type ApprovalRun, type Routes, type z } from '@greenlight/contract';
import type { AuthContext, Handler, HandlerInput } from '../../context.ts';
import { ApiError, notFound } from '../../errors.ts';
import { callV1, v1 } from '../v1.ts';

type Detail = z.infer<typeof ApprovalDetail>;

/**
 * A request as the approval-runs API answers a run: its flow, where its steps stand, its
 * `changes` as the objects before and after, who asked, its tags and every reviewer's result.
 */
export function toRun(d: Detail): ApprovalRun {
  return {
    id: d.id,
    approvalFlowId: d.flow_id ?? null,
    organizationId: d.org_id,
    workspaceId: d.org_id,
    status: d.status,
    // A request without steps waits on one step: itself.
    activeStep: d.status === 'pending' ? (d.run?.active_step ?? 1) : null,
    previousObject: d.changes?.before ?? {},
    object: d.changes?.after ?? {},
    invoker: { type: d.requested_by.type, id: d.requested_by.id },
    // By key: the order the database keeps them in is its own.
    tags: Object.entries(d.tags)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, value]) => ({ key, value })),
    results: d.results.map((r) => ({ reviewer: { type: r.reviewer.type, id: r.reviewer.id }, result: r.result, comment: r.comment })),
    createdAt: d.created_at,
    updatedAt: d.updated_at,
  };
}

/** The path's organization is the caller's (its id or slug); any other answers as an unknown one. */
function checkOrganization(organizationId: string, auth: AuthContext): void {
  if (organizationId !== auth.org.id && organizationId !== auth.org.slug) throw notFound('organization');
}

/** Where a page continues: after the run written `seq`-th, in the direction it was read. */
interface Cursor {
  seq: string;
  reverse: boolean;
}

const encodeToken = (c: Cursor) => Buffer.from(JSON.stringify({ s: c.seq, r: c.reverse })).toString('base64url');

function decodeToken(token: string, reverse: boolean): Cursor {
  let c: unknown;
  try {
    c = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    c = null;
  }
  const ok = typeof c === 'object' && c !== null && typeof (c as { s?: unknown }).s === 'string' && /^[0-9]{1,19}$/.test((c as { s: string }).s);
  if (!ok) throw new ApiError('INVALID_PAGE_TOKEN', 'pageToken is not a token this list gave');
  if ((c as { r?: unknown }).r !== reverse) throw new ApiError('INVALID_PAGE_TOKEN', 'pageToken was given for the other order: send the same reverse as for the first page');
  return { seq: (c as { s: string }).s, reverse };
}

/**
 * An approval of this API is a Greenlight flow, whose runs are the requests started from it (also
 * after the flow was deleted: runs already started go on); a single request is an approval with one
 * run. Null when the approval is neither in the caller's organization.
 */
async function runsOf(input: HandlerInput<Routes['listApprovalRuns']>, after: Cursor | null, limit: number): Promise<{ id: string; seq: string }[] | null> {
  const { approvalId } = input.params;
  const org = input.auth.org.id;
  const { db } = input.deps;
  const { rows } = await db.query<{ flow: boolean; request: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM flows WHERE id = $1 AND org_id = $2) AS flow,
            EXISTS (SELECT 1 FROM approvals WHERE id = $1 AND org_id = $2) AS request`,
    [approvalId, org],
  );
  const { flow, request } = rows[0]!;
  if (!flow && !request) return null;
  const newestFirst = !input.query.reverse;
  const page = await db.query<{ id: string; seq: string }>(
    `SELECT a.id, a.seq::text AS seq FROM approvals a
      WHERE a.org_id = $1 AND ${flow ? 'a.flow_id' : 'a.id'} = $2
        AND ($3::bigint IS NULL OR ${newestFirst ? 'a.seq < $3' : 'a.seq > $3'})
      ORDER BY a.seq ${newestFirst ? 'DESC' : 'ASC'}
      LIMIT $4`,
    [org, approvalId, after?.seq ?? null, limit],
  );
  return page.rows;
}

async function runOf(input: HandlerInput<Routes['listApprovalRuns'] | Routes['getApprovalRun']>, id: string): Promise<Detail> {
  return (await callV1(v1.getApproval, routes.getApproval, input, { params: { id } })).body;
}

/** `GET …/approvals/{approvalId}/runs`: newest first (oldest first with `reverse`), `limit` at a time. */
export const listApprovalRuns: Handler<Routes['listApprovalRuns']> = async (input) => {
  checkOrganization(input.params.organizationId, input.auth);
  const { pageToken, limit, reverse } = input.query;
  const after = pageToken === undefined ? null : decodeToken(pageToken, reverse);
  // One more than the page says whether another follows.
  const found = await runsOf(input, after, limit + 1);
  if (found === null) throw notFound('approval');
  const shown = found.slice(0, limit);
  const page = await Promise.all(shown.map((r) => runOf(input, r.id)));
  const last = shown.at(-1);
  const next = found.length > limit && last ? encodeToken({ seq: last.seq, reverse }) : undefined;
  return { status: 200, body: { results: page.map(toRun), ...(next !== undefined && { nextPageToken: next }) } };
};

/** `GET …/runs/{approvalRunId}`: a run of that approval (a request of that flow, or the request itself). */
export const getApprovalRun: Handler<Routes['getApprovalRun']> = async (input) => {
  const { organizationId, approvalId, approvalRunId } = input.params;
  checkOrganization(organizationId, input.auth);
  const run = await runOf(input, approvalRunId);
  if (run.id !== approvalId && run.flow_id !== approvalId) throw notFound('run');
  return { status: 200, body: toRun(run) };
};
