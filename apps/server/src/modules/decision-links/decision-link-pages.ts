import express, { type Response, type Router } from 'express';
import { z } from 'zod';
import { GiveGrant, GRANT_DURATION_LABELS, GRANT_DURATIONS, LIMITS, type GrantDuration, type ViewerCan } from '@greenlight/contract';
import type { AppDeps } from '../../context.ts';
import { escapeHtml, hiddenInput, sendPage } from '../users/html.ts';
import { DECISION_LINK_PATH } from '../../channels/email/email-channel.ts';
// The email's rendering: the page, like the email, shows nothing from the request that links or loads.
import { descriptionHtml } from '../../channels/email/email-markdown.ts';
import type { ApprovalRow } from '../../core/approval-record.ts';
import { personAsker, viewerCan } from '../../core/approvals/index.ts';
import { ApiError } from '../../errors.ts';
import { castWithGrant, planGrant, type GrantPlan } from '../grants/give-grant.ts';
import { countDecisions } from '../../metrics/count-decisions.ts';
import { describeLink, useLink, type Closed, type LinkDecision, type LinkState } from './decision-links.ts';
import { checkConfirmationCsrf, issueConfirmationCsrf, type CsrfCheck } from './confirmation-csrf.ts';
import { answeredHtml, answerFormHtml, asksForInput, initialValues, problemsOfRefusal, rawValuesOf, readAnswer, type Problems, type RawValues } from './answer-form.ts';

type UseInput = Parameters<typeof useLink>[2];

const Form = z.object({
  token: z.string().max(100),
  comment: z.string().max(LIMITS.commentMax).optional(),
  // Missing or malformed is a CSRF refusal (403, below), not an invalid form.
  csrf: z.string().max(200).optional(),
  // "And the same for …": a standing grant with the approval; empty is none.
  grant: z
    .enum(Object.keys(GRANT_DURATIONS) as [GrantDuration, ...GrantDuration[]])
    .or(z.literal('').transform(() => undefined))
    .optional(),
});

/** Why a confirmation was not accepted, in words the person can act on. */
const CSRF_REFUSAL: Record<Exclude<CsrfCheck, 'ok'>, string> = {
  no_cookie:
    'Your browser did not send back the cookie this page set, so Greenlight cannot tell that you pressed the button on it. Allow cookies for this site, open the link from your email again and press the button there.',
  stale: 'This confirmation page was open for more than an hour. Open the link from your email again and press the button there.',
  mismatch: 'This confirmation did not come from the page Greenlight showed for this link. Open the link from your email again and press the button there.',
};

const VERB: Record<LinkDecision, { imperative: string; past: string }> = {
  approve: { imperative: 'Approve', past: 'approved' },
  reject: { imperative: 'Reject', past: 'rejected' },
};

const when = (d: Date | null): string => (d ? `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC` : 'an unknown time');

function closedSentence(c: Closed): string {
  const at = when(c.at);
  switch (c.status) {
    case 'approved':
    case 'rejected':
      return c.by ? `This request was already ${c.status} by ${c.by} at ${at}.` : `This request was already ${c.status} automatically at ${at}.`;
    case 'cancelled':
      return c.by ? `This request was cancelled by ${c.by} at ${at}.` : `This request was cancelled at ${at}.`;
    case 'expired':
      return `This request expired at ${at}.`;
  }
}

function summary(a: ApprovalRow, deps: AppDeps): string {
  const row = (label: string, value: string) => `<dt>${escapeHtml(label)}</dt><dd>${escapeHtml(value)}</dd>`;
  const changes = a.changes
    ? `<h2>Changes</h2><table><tr><th>Field</th><th>Before</th><th>After</th></tr>${[
        ...new Set([...Object.keys(a.changes.before ?? {}), ...Object.keys(a.changes.after ?? {})]),
      ]
        .map((k) => {
          const show = (o: Record<string, unknown> | null) => (o && k in o ? JSON.stringify(o[k]) : '—');
          return `<tr><td>${escapeHtml(k)}</td><td><code>${escapeHtml(show(a.changes!.before))}</code></td><td><code>${escapeHtml(show(a.changes!.after))}</code></td></tr>`;
        })
        .join('')}</table>`
    : '';
  return `<h2>${escapeHtml(a.title)}</h2>
<dl>${row('Priority', a.priority)}${row('Requested by', a.requested_by_name ?? 'an automation')}${row('Expires', a.expires_at ? when(a.expires_at) : 'no expiry')}</dl>
${a.description ? `<div>${descriptionHtml(a.description)}</div>` : ''}
${changes}
${a.status === 'approved' ? answeredHtml(a) : ''}
<p><a href="${escapeHtml(`${deps.config.publicUrl}/requests/${a.id}`)}">Open in Greenlight</a></p>`;
}

/** Every page of a link: never cached, never indexed, never framed, no Referer with the token in it (sendPage). */
function page(res: Response, status: number, title: string, body: string): void {
  res.set('X-Robots-Tag', 'noindex, nofollow');
  sendPage(res, status, title, body);
}

/** The page for a link that cannot be used, saying what happened. */
function explain(res: Response, state: Exclude<LinkState, { kind: 'open' }>, deps: AppDeps): void {
  switch (state.kind) {
    case 'unknown':
      return page(res, 404, 'Link not valid', '<p>This link is not valid. Open the request in Greenlight instead.</p>');
    case 'used': {
      const verb = VERB[state.link.decision].past;
      const outcome = state.closed ? ` ${closedSentence(state.closed)}` : ' The request is still waiting for other approvals.';
      return page(res, 200, `You ${verb} this request`, `<p>You ${verb} this request at ${escapeHtml(when(state.link.used_at))} with this link; it cannot be used again.${escapeHtml(outcome)}</p>${summary(state.approval, deps)}`);
    }
    case 'closed':
      return page(res, 200, 'Already decided', `<p>${escapeHtml(closedSentence(state.closed))} Nothing was changed.</p>${summary(state.approval, deps)}`);
    case 'expired':
      return page(res, 410, 'Link expired', `<p>This link expired at ${escapeHtml(when(state.link.expires_at))}. Open the request in Greenlight to decide it.</p>${summary(state.approval, deps)}`);
    case 'voted':
      return page(res, 200, 'You already voted', `<p>You already ${escapeHtml(VERB[state.vote.decision].past)} this request at ${escapeHtml(when(state.vote.at))}. Nothing was changed.</p>${summary(state.approval, deps)}`);
  }
}

/**
 * The pages of decision links (decision-links.ts). `GET` (and `HEAD`) shows a confirmation page and
 * changes nothing in Greenlight, whoever fetches it — a mail scanner, a link preview, a person — with
 * cookies or without. Only the page's `POST` decides, and only with the page's per-render CSRF value
 * and the cookie that goes with it (confirmation-csrf.ts); no session is read or set. After the POST,
 * 303 to the link's page, which then shows what was done.
 */
export function decisionLinkRouter(deps: AppDeps): Router {
  const router = express.Router();
  const secure = deps.config.publicUrl.startsWith('https://');

  router.get(`${DECISION_LINK_PATH}/:token`, async (req, res) => {
    const token = req.params.token;
    const state = await describeLink(deps.db, token);
    if (state.kind !== 'open') return explain(res, state, deps);
    // No button the rules would refuse: the holder reads why instead (viewer_can, as on the dashboard).
    const can = await holderCan(deps, state.link);
    if (can?.decide.reason_code === 'step_up_required') return page(res, 200, 'Decide on the dashboard', stepUpPage(state.approval, deps));
    const may = state.link.decision === 'approve' ? can?.decide.approve : can?.decide;
    const refused = may && !may.allowed ? (may.reason ?? null) : null;
    if (refused) return page(res, 200, 'Not yours to decide now', `<p>${escapeHtml(refused)}</p>${summary(state.approval, deps)}`);
    confirmationPage(req, res, 200, token, state, can, { values: asksForInput(state.approval) ? initialValues(state.approval) : {}, problems: {}, comment: '' });
  });

  /**
   * The confirmation page of an open link: the request, and the form whose POST decides. An approve
   * link of a request that asks for an answer or edits carries the answer form, filled with `values`
   * and each problem at its field (a refused answer comes back here, typed values kept).
   */
  function confirmationPage(
    req: express.Request,
    res: Response,
    status: number,
    token: string,
    state: Extract<LinkState, { kind: 'open' }>,
    can: ViewerCan | null,
    form: { values: RawValues; problems: Problems; comment: string },
  ): void {
    const verb = VERB[state.link.decision].imperative;
    // A standing grant is offered only where viewer_can.grant allows it; the POST checks again through the one grant path.
    const grantChoice =
      state.link.decision === 'approve' && can?.grant.allowed
        ? `<label>And the same for <select name="grant"><option value="">this request only</option>${(Object.keys(GRANT_DURATIONS) as GrantDuration[])
            .map((d) => `<option value="${d}">${escapeHtml(GRANT_DURATION_LABELS[d])}</option>`)
            .join('')}</select></label>
<p><small>With a duration, this connection's next requests of the same kind are approved without asking until then (a standing grant; revoke it under Grants in Greenlight).</small></p>`
        : '';
    const answerForm = state.link.decision === 'approve' && asksForInput(state.approval) ? answerFormHtml(state.approval, form.values, form.problems) : '';
    page(
      res,
      status,
      `${verb} this request?`,
      `<p>Nothing is decided until you press <strong>${verb}</strong> below.</p>
${summary(state.approval, deps)}
<form method="post" action="${DECISION_LINK_PATH}">
${hiddenInput('token', token)}
${hiddenInput('csrf', issueConfirmationCsrf(req, res, token, secure))}
${answerForm}
<label>Comment (optional) <textarea name="comment" maxlength="${LIMITS.commentMax}" rows="3">${escapeHtml(form.comment)}</textarea></label>
${grantChoice}
<button type="submit">${verb}</button>
</form>`,
    );
  }

  router.post(DECISION_LINK_PATH, express.urlencoded({ extended: false, limit: '64kb' }), async (req, res) => {
    const form = Form.safeParse(req.body ?? {});
    if (!form.success) return page(res, 400, 'Not decided', '<p>The form was not valid. Open the link from your email again.</p>');
    const csrf = checkConfirmationCsrf(req, form.data.token, form.data.csrf, secure);
    if (csrf !== 'ok') return page(res, 403, 'Not decided', `<p>Nothing was decided. ${escapeHtml(CSRF_REFUSAL[csrf])}</p>`);
    const comment = form.data.comment?.trim() || null;
    // The answer form (answer-form.ts): checked here by the contract's functions, so a wrong answer comes
    // back at its fields with what was typed, and nothing is decided; the decision checks it again.
    let answer: { response?: Record<string, unknown>; edits?: Record<string, unknown> } = {};
    let again: ((problems: Problems) => Promise<void>) | null = null;
    const before = await describeLink(deps.db, form.data.token);
    if (before.kind === 'open' && before.link.decision === 'approve' && asksForInput(before.approval)) {
      const open = before;
      const values = rawValuesOf(open.approval, (req.body ?? {}) as Record<string, unknown>);
      again = async (problems) => confirmationPage(req, res, 400, form.data.token, open, await holderCan(deps, open.link), { values, problems, comment: form.data.comment ?? '' });
      const read = readAnswer(open.approval, values);
      if (!read.ok) return again(read.problems);
      answer = { ...(read.response && { response: read.response }), ...(read.edits && { edits: read.edits }) };
    }
    let plan: GrantPlan | null = null;
    if (form.data.grant) {
      const planned = await grantPlanOf(deps, form.data.token, form.data.grant);
      if ('refusal' in planned) return page(res, planned.status, 'Not decided', `<p>Nothing was decided: ${escapeHtml(planned.refusal)}</p>`);
      plan = planned.plan;
    }
    const granted = plan;
    const cast: UseInput['cast'] = granted
      ? (tx, caller, _id, vote, options) => castWithGrant(tx, { ...caller, scopes: personAsker(caller.user!.id, caller.user!.role).scopes }, granted, vote, options)
      : undefined;
    const result = await useLink(deps.db, form.data.token, { comment, notify: deps.config.mail !== null, cast, ...answer });
    switch (result.kind) {
      case 'decided':
        countDecisions(deps.metrics, result.decided.events);
        return res.redirect(303, `${DECISION_LINK_PATH}/${form.data.token}`);
      case 'unusable':
        return result.state.kind === 'open' ? page(res, 409, 'Not decided', '<p>Please try again.</p>') : explain(res, result.state, deps);
      case 'not-allowed':
        return page(res, 403, 'Not decided', '<p>You are no longer an approver in this organization.</p>');
      case 'refused':
        // Overtaken meanwhile (decided elsewhere, already voted): say what happened rather than why the vote failed.
        if (result.state.kind !== 'open') return explain(res, result.state, deps);
        if (result.error.code === 'STEP_UP_REQUIRED') return page(res, 403, 'Decide on the dashboard', stepUpPage(result.state.approval, deps));
        if (again && result.error.code === 'VALIDATION_ERROR') {
          const problems = problemsOfRefusal(result.error.details);
          if (Object.keys(problems).length > 0) return again(problems);
        }
        return page(res, result.error.status, 'Not decided', `<p>${escapeHtml(refusalSentence(result.error.code, result.error.message))}</p>${summary(result.state.approval, deps)}`);
    }
  });

  return router;
}

/**
 * What the link's holder may do with the request now (greenlight_viewer_can, through rules.ts), or null
 * for someone no longer a member: pressing the button tells them.
 */
async function holderCan(deps: AppDeps, link: { org_id: string; approval_id: string; user_id: string }): Promise<ViewerCan | null> {
  const role = await holderRole(deps, link);
  return role ? viewerCan(deps.db, personAsker(link.user_id, role), link.approval_id) : null;
}

async function holderRole(deps: AppDeps, link: { org_id: string; user_id: string }): Promise<'admin' | 'approver' | 'viewer' | null> {
  const { rows } = await deps.db.query<{ role: 'admin' | 'approver' | 'viewer' }>('SELECT role FROM memberships WHERE org_id = $1 AND user_id = $2', [link.org_id, link.user_id]);
  return rows[0]?.role ?? null;
}

/**
 * The grant chosen on the page, checked by the one grant path (planGrant: `viewer_can.grant`, then its
 * scope) as the link's holder, before the link's transaction; a refusal leaves the link unused.
 */
async function grantPlanOf(deps: AppDeps, token: string, duration: GrantDuration): Promise<{ plan: GrantPlan } | { refusal: string; status: number }> {
  const state = await describeLink(deps.db, token);
  if (state.kind !== 'open' || state.link.decision !== 'approve') return { refusal: 'a grant is given only with an approval this link can still make.', status: 400 };
  const { rows } = await deps.db.query<{ role: 'admin' | 'approver' | 'viewer'; email: string; name: string | null }>(
    'SELECT m.role, u.email, u.name FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 AND m.user_id = $2',
    [state.link.org_id, state.link.user_id],
  );
  const m = rows[0];
  if (!m) return { refusal: 'you are no longer a member of this organization.', status: 403 };
  const giver = {
    org: { id: state.link.org_id },
    principal: { type: 'user' as const, id: state.link.user_id, name: m.name ?? m.email },
    user: { id: state.link.user_id, role: m.role },
    scopes: personAsker(state.link.user_id, m.role).scopes,
  };
  try {
    return { plan: await planGrant(deps, giver, state.link.approval_id, GiveGrant.parse({ expires_in_seconds: GRANT_DURATIONS[duration] })) };
  } catch (err) {
    if (err instanceof ApiError) return { refusal: err.message, status: err.status };
    throw err;
  }
}

/**
 * A request the org's step-up setting covers: an email link is no passkey-confirmed session, so it never
 * decides one; the person opens the request on the dashboard, confirms with their passkey and decides there.
 */
function stepUpPage(a: ApprovalRow, deps: AppDeps): string {
  const url = `${deps.config.publicUrl}/requests/${a.id}`;
  return `<p>Nothing was decided. This organization requires a confirmation with your passkey to decide this request, which an email link cannot give.</p>
<p><a href="${escapeHtml(url)}"><strong>Open the request in Greenlight</strong></a>, confirm with your passkey and decide there.</p>
${summary(a, deps)}`;
}

/** The state machine's refusals in plain words. */
function refusalSentence(code: string, message: string): string {
  switch (code) {
    case 'EMERGENCY_STOP':
      return 'Decisions are paused in this organization (emergency stop). Your link still works once they resume.';
    case 'APPROVAL_EXPIRED':
      return 'This request has expired and can no longer be decided.';
    case 'SELF_APPROVAL_FORBIDDEN':
      return 'You made this request, so you cannot approve it.';
    case 'ALREADY_VOTED':
      return 'You already voted on this request.';
    case 'NOT_APPROVER':
      return 'You are not an approver of the step this request is waiting for.';
    case 'STEP_OUT_OF_ORDER':
      return 'This request is waiting for an earlier step first.';
    default:
      return `Your decision was not recorded: ${message}`;
  }
}
