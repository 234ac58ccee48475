/**
 * Answers on the server (docs/answers.md): what an approving vote must give for a request that asks for
 * an answer (`response_schema`) or lets the reviewer change fields of it (`editable`), checked with the
 * contract's one definition (`checkAnswer`, `checkEdits`), never re-implemented here.
 *
 * The rules:
 * - An approving vote's answer is checked against the request's schema, defaults filled in; an approve
 *   with no answer passes only when the defaults answer the schema. A request without a schema refuses
 *   any answer. Edits name editable paths and keep each value's JSON type.
 * - A rejection carries neither (the contract's body refuses them too; this covers every other caller).
 * - A refusal names each field and its reason, in the API's validation-error shape, and decides
 *   nothing: greenlight_decide raises it after its own checks (so a request already decided says so
 *   first), rolling back the vote.
 *
 * What this does not cover: whether the person may decide at all (greenlight_decide's rules), and
 * auto-decisions (policies, grants, expiry), which never invent input (core/approvals/auto-decide.ts,
 * core/deciders, state-machine.ts's sweep).
 */
import { asksForInput, checkAnswer, checkEdits, defaultsAnswer, type Approval, type Content, type Edit, type ResponseSchema } from '@greenlight/contract';

/** What an approving vote gave, as stored on the request when it makes the final approval and as its events carry it. */
export interface VoteAnswer {
  /** The validated answer, defaults filled in; null when the request asks for none. */
  response: Record<string, unknown> | null;
  /** The fields changed, each with its value before and after; empty when none. */
  edits: Edit[];
}

/** One field a vote got wrong, in the shape of a validation error's `details.issues`. */
export interface AnswerIssue {
  path: string;
  code: 'invalid_answer';
  message: string;
}

/** A refusal's words and details, as greenlight_decide raises it (SQLSTATE GL001, INVALID_ANSWER) and the API answers it (400). */
export interface AnswerRefusal {
  message: string;
  details: { location: 'body'; reason: 'invalid_answer'; issues: AnswerIssue[] };
}

export type VoteAnswerCheck = { ok: true; answer: VoteAnswer | null } | { ok: false; refusal: AnswerRefusal };

/** What of a request the check reads: its content and what it asks. */
export type AnswerTarget = Content & { response_schema: ResponseSchema | null; editable: readonly string[] | null };

export interface Ballot {
  decision: 'approve' | 'reject';
  response?: Record<string, unknown> | undefined;
  edits?: Record<string, unknown> | undefined;
}

/**
 * A vote's answer checked against the request: `answer` is what to store and record (null when the
 * request asks nothing, or for a rejection), or the refusal naming every field wrong.
 */
export function checkVoteAnswer(a: AnswerTarget, ballot: Ballot): VoteAnswerCheck {
  const issues: AnswerIssue[] = [];
  const issue = (path: string, message: string) => issues.push({ path, code: 'invalid_answer', message });
  if (ballot.decision === 'reject') {
    if (ballot.response !== undefined) issue('response', 'an answer is given only with an approval');
    if (ballot.edits !== undefined) issue('edits', 'edits are made only with an approval');
    return issues.length > 0 ? { ok: false, refusal: refusalOf(issues, false) } : { ok: true, answer: null };
  }
  let response: Record<string, unknown> | null = null;
  if (a.response_schema === null) {
    if (ballot.response !== undefined) issue('response', 'this request asks for no answer (it has no response_schema)');
  } else {
    const checked = checkAnswer(a.response_schema, ballot.response);
    if (checked.ok) response = checked.answer;
    else for (const p of checked.problems) issue(`response.${p.field}`, p.reason);
  }
  const content: Content = { metadata: a.metadata, changes: a.changes };
  const edited = checkEdits(content, a.editable ?? [], ballot.edits);
  if (!edited.ok) for (const p of edited.problems) issue(`edits.${p.field}`, p.reason);
  if (issues.length > 0) return { ok: false, refusal: refusalOf(issues, ballot.response === undefined && a.response_schema !== null) };
  return { ok: true, answer: asksForInput(a) ? { response, edits: edited.ok ? edited.edits : [] } : null };
}

/** The refusal: its message leads with the first field; a vote that gave no answer at all (a chat button, a link) is told where to give one. */
function refusalOf(issues: AnswerIssue[], noAnswerGiven: boolean): AnswerRefusal {
  const first = `${issues[0]!.path} ${issues[0]!.message}`;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  const message = noAnswerGiven
    ? `this request asks for an answer before it can be approved (${first}${more}): answer it on the request's page`
    : `the answer was refused: ${first}${more}`;
  return { message, details: { location: 'body', reason: 'invalid_answer', issues } };
}

/**
 * Whether a one-tap approve (a chat button, an email or push link: no form) cannot stand for this
 * request: it asks for an answer its defaults do not give, or it lets the reviewer edit fields. A
 * channel then says so and links to the request's page in place of its approve button; reject stays
 * one tap. A request that asks nothing, or whose defaults answer it, may be approved in one tap (the
 * defaults become its `response`).
 */
export function needsAnswer(a: Pick<Approval, 'response_schema' | 'editable'>): boolean {
  if ((a.editable ?? []).length > 0) return true;
  return a.response_schema !== null && a.response_schema !== undefined && !defaultsAnswer(a.response_schema);
}
