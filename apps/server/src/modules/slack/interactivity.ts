/**
 * Slack's interactivity requests: the buttons of a posted request, and the
 * comment modal. Slack posts them as a form with one field, `payload` (JSON).
 *
 * Guard clauses, in order:
 * 1. The body is read raw (the signature is over its exact bytes) and capped.
 * 2. The request the payload names (a button's value, the modal's private metadata) selects whose
 *    signing secret to check with: every org has its own Slack app. The answer modal's metadata is
 *    sealed by Greenlight (it names the request and the Slack user it was opened for): one Greenlight
 *    did not seal names no request. Nothing is trusted or done
 *    before the check; an unknown request or an org without Slack answers as a bad signature does.
 * 3. The signature and timestamp are verified (verify-signature.ts). Refused: 401, nothing changes.
 * 4. The Slack user is mapped to a member of the org by the email Slack has verified (users.info).
 * 5. Approve on a request that asks for an answer (channels/chat-answers.ts) opens the answer modal
 *    (views.open with the click's trigger_id); its submission, by the Slack user it was opened for,
 *    approves with the answer and edits, which the decision path checks: a refused field is answered
 *    with Slack's `response_action: errors` under its input, and nothing is decided.
 * 6. The vote goes through the one decision path (core/approvals/state-machine.ts: four-eyes, steps, quorum,
 *    expiry, emergency stop), as the person; "Approve and the same for the next hour" through the one
 *    grant path (modules/grants/give-grant.ts), which `viewer_can.grant` governs. A refusal is told to that person alone: an ephemeral
 *    message (a button) or the modal's error (the modal).
 *
 * The message itself is rewritten with the outcome by the outbox (channels/slack/slack-channel.ts),
 * as for a decision made anywhere else. Slack waits 3 s for the answer; the work here is one
 * users.info, one decision and at most one more Web API call.
 */
import express, { type Router } from 'express';
import { z } from 'zod';
import { GiveGrant, GRANT_DURATION_LABELS, GRANT_DURATIONS, LIMITS, SLACK_INTERACTIVITY_PATH } from '@greenlight/contract';
import type { AppDeps } from '../../context.ts';
import type { Caller } from '../../core/events.ts';
import { slackAppOf, type SlackApp } from '../../core/slack.ts';
import { ApiError } from '../../errors.ts';
import { chatVote, memberCaller, VIEWER_REFUSAL } from '../../channels/chat-vote.ts';
import { personAsker, viewerCan } from '../../core/approvals/index.ts';
import { voteWithGrant } from '../grants/give-grant.ts';
import { callSlack, slackClient } from '../../channels/slack/slack-client.ts';
import { answerModal, decisionModal, SLACK_ACTIONS, SLACK_ANSWER, SLACK_MODAL } from '../../channels/slack/slack-messages.ts';
import { answerFromForm, asksAnswer, editableFields, editsFromForm, formProblems, type FormValue } from '../../channels/chat-answers.ts';
import type { ApprovalRow } from '../../core/approval-record.ts';
import { secretKeys } from '../../security/sealed.ts';
import { verifySlackSignature } from './verify-signature.ts';

const BODY_LIMIT = '256kb';

const Uuid = z.uuid();

const BlockActions = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: z.string().min(1).max(64) }),
  trigger_id: z.string().max(200).optional(),
  channel: z.object({ id: z.string().min(1).max(64) }).optional(),
  actions: z.array(z.object({ action_id: z.string().max(255), value: z.string().max(2000).optional() })).min(1),
});

const InputState = z.object({
  value: z.string().nullish(),
  selected_option: z.object({ value: z.string().max(150) }).nullish(),
  selected_options: z.array(z.object({ value: z.string().max(150) })).max(100).nullish(),
});

const ViewSubmission = z.object({
  type: z.literal('view_submission'),
  user: z.object({ id: z.string().min(1).max(64) }),
  view: z.object({
    callback_id: z.string().max(255),
    private_metadata: z.string().max(3000),
    state: z.object({ values: z.record(z.string(), z.record(z.string(), InputState)) }),
  }),
});

const ModalMetadata = z.object({ approval_id: z.uuid(), channel: z.string().max(64).nullable() });

/**
 * The answer modal's private_metadata: sealed by Greenlight's secret key (security/sealed.ts,
 * AES-256-GCM), so only Greenlight can have made it. It binds the modal to the request and to the
 * Slack user whose click opened it. Slack's signature covers the submission, but not who wrote the
 * metadata: anyone holding the signing secret could name another request in plain JSON; sealed, a
 * submission decides only the request its modal was opened for, by the person it was opened for.
 */
const AnswerMetadata = z.object({ approval_id: z.uuid(), slack_user: z.string().min(1).max(64), channel: z.string().max(64).nullable() });
type AnswerMetadata = z.infer<typeof AnswerMetadata>;

const sealAnswerMetadata = (m: AnswerMetadata): string => secretKeys().seal(JSON.stringify(m));

/** The metadata of an answer modal, or null when Greenlight did not seal it (forged, altered, or sealed with a key no longer configured). */
function openAnswerMetadata(sealed: string): AnswerMetadata | null {
  if (!sealed.startsWith('gl1:')) return null;
  try {
    const m = AnswerMetadata.safeParse(JSON.parse(secretKeys().open(sealed)));
    return m.success ? m.data : null;
  } catch {
    return null;
  }
}

/** The request a payload is about, read before the signature is checked: it only chooses the secret to check with. */
function approvalIdOf(payload: unknown): string | null {
  const p = payload as { type?: unknown; actions?: { value?: unknown }[]; view?: { callback_id?: unknown; private_metadata?: unknown } } | null;
  let candidate: unknown = null;
  if (p?.type === 'block_actions') candidate = p.actions?.[0]?.value;
  else if (p?.type === 'view_submission' && typeof p.view?.private_metadata === 'string') {
    if (p.view.callback_id === SLACK_ANSWER.callbackId) return openAnswerMetadata(p.view.private_metadata)?.approval_id ?? null;
    try {
      candidate = (JSON.parse(p.view.private_metadata) as { approval_id?: unknown }).approval_id;
    } catch {
      return null;
    }
  }
  return Uuid.safeParse(candidate).success ? (candidate as string) : null;
}

type AnsweredRequest = Pick<ApprovalRow, 'id' | 'org_id' | 'title' | 'status' | 'response_schema' | 'editable' | 'metadata' | 'changes'>;

async function answeredRequest(deps: AppDeps, approvalId: string): Promise<AnsweredRequest | null> {
  const { rows } = await deps.db.query<AnsweredRequest>('SELECT id, org_id, title, status, response_schema, editable, metadata, changes FROM approvals WHERE id = $1', [approvalId]);
  return rows[0] ?? null;
}

/** One input's value as the answer readers take it (chat-answers.ts): text, the options picked, or nothing. */
function formValue(values: Record<string, Record<string, z.infer<typeof InputState>>>, blockId: string): FormValue {
  const v = values[blockId]?.[SLACK_ANSWER.action];
  if (!v) return undefined;
  if (v.selected_options) return v.selected_options.map((o) => o.value);
  if (v.selected_option !== undefined) return v.selected_option?.value ?? null;
  return v.value ?? null;
}

type Member = { caller: Caller } | { refusal: string };

/**
 * The Greenlight member behind a Slack user: the email Slack holds for them, confirmed by Slack
 * (users.info, scope users:read.email), must be a member of the org who may decide. Bots and
 * deactivated accounts are refused.
 */
async function memberOf(deps: AppDeps, app: SlackApp, slackUserId: string): Promise<Member> {
  const client = slackClient(app.botToken, { apiUrl: deps.config.GREENLIGHT_SLACK_API_URL, timeoutMs: deps.config.GREENLIGHT_DELIVERY_TIMEOUT_MS });
  const info = await callSlack(() => client.users.info({ user: slackUserId }));
  const user = info.value?.user;
  if (!user) return { refusal: 'Greenlight could not look up your Slack account, so nothing was decided. Try again, or decide in Greenlight.' };
  const email = user.profile?.email;
  if (user.is_bot || user.deleted || !email || user.is_email_confirmed === false) {
    return { refusal: 'Your Slack account has no confirmed email address, so Greenlight cannot tell who you are. Nothing was decided.' };
  }
  const { rows } = await deps.db.query<{ id: string; email: string; name: string | null; role: 'admin' | 'approver' | 'viewer' }>(
    `SELECT u.id, u.email, u.name, m.role FROM users u JOIN memberships m ON m.user_id = u.id AND m.org_id = $1
      WHERE lower(u.email) = lower($2)`,
    [app.orgId, email],
  );
  const m = rows[0];
  if (!m) return { refusal: `No member of this Greenlight organization has your Slack email address (${email}), so you cannot decide this request.` };
  if (m.role === 'viewer') return { refusal: VIEWER_REFUSAL };
  return { caller: memberCaller(app.orgId, m) };
}

/** The vote, through the one decision path shared by the chat channels. */
const vote = (deps: AppDeps, caller: Caller, approvalId: string, decision: 'approve' | 'reject', comment: string | null) =>
  chatVote(deps, 'slack', caller, approvalId, decision, comment);

/**
 * "Approve and the same for the next hour": the approval and a standing grant of an hour, through the
 * one grant path (voteWithGrant: `viewer_can.grant` refuses it with its reason, told to the person alone).
 */
const approveWithGrant = (deps: AppDeps, caller: Caller, approvalId: string) =>
  chatVote(deps, 'slack', caller, approvalId, 'approve', null, (c, id, v, options) =>
    voteWithGrant(deps, { ...c, scopes: personAsker(c.user!.id, c.user!.role).scopes }, id, v, GiveGrant.parse({ expires_in_seconds: GRANT_DURATIONS['1h'] }), options),
  );

export function slackInteractivityRouter(deps: AppDeps): Router {
  const router = express.Router();
  const conn = () => ({ apiUrl: deps.config.GREENLIGHT_SLACK_API_URL, timeoutMs: deps.config.GREENLIGHT_DELIVERY_TIMEOUT_MS });

  router.post(SLACK_INTERACTIVITY_PATH, express.raw({ type: () => true, limit: BODY_LIMIT }), async (req, res, next) => {
    // Slack reads only the status of a button's answer; a modal's answer may carry its field errors.
    const ack = (): void => {
      res.status(200).end();
    };
    const modalError = (errors: Record<string, string>): void => {
      res.status(200).json({ response_action: 'errors', errors });
    };
    try {
      const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
      let payload: unknown;
      try {
        payload = JSON.parse(new URLSearchParams(raw).get('payload') ?? '');
      } catch {
        return next(new ApiError('VALIDATION_ERROR', 'expected a form with a JSON `payload` field, as Slack sends'));
      }
      const approvalId = approvalIdOf(payload);
      const app = approvalId
        ? await deps.db
            .query<{ org_id: string }>('SELECT org_id FROM approvals WHERE id = $1', [approvalId])
            .then((r) => (r.rows[0] ? slackAppOf(deps.db, r.rows[0].org_id) : null))
        : null;
      const verified = app !== null && verifySlackSignature({ signingSecret: app.signingSecret, rawBody: raw, headers: req.headers });
      if (!app || !verified) {
        req.log.warn({ approval_id: approvalId }, 'Slack interactivity request refused: signature not verified');
        return next(new ApiError('UNAUTHORIZED', 'the request is not signed by the Slack app of the organization, or is too old'));
      }

      const actions = BlockActions.safeParse(payload);
      if (actions.success) {
        const p = actions.data;
        const action = p.actions[0]!;
        const client = slackClient(app.botToken, conn());
        const tell = async (text: string) => {
          if (!p.channel) return;
          const sent = await callSlack(() => client.chat.postEphemeral({ channel: p.channel!.id, user: p.user.id, text }));
          if (sent.error) req.log.warn({ error: sent.error }, 'Slack ephemeral message not sent');
        };
        const withGrant = action.action_id === SLACK_ACTIONS.approveGrant;
        const decision = action.action_id === SLACK_ACTIONS.approve || withGrant ? 'approve' : action.action_id === SLACK_ACTIONS.reject ? 'reject' : null;
        if (decision === null && action.action_id !== SLACK_ACTIONS.comment) return ack();
        const member = await memberOf(deps, app, p.user.id);
        if ('refusal' in member) {
          await tell(member.refusal);
          return ack();
        }
        if (action.action_id === SLACK_ACTIONS.approve) {
          // Approve on a request that asks for an answer opens its form; the form's submission decides.
          const a = await answeredRequest(deps, approvalId!);
          if (a && a.status === 'pending' && asksAnswer(a)) {
            const openUrl = `${deps.config.publicUrl}/requests/${a.id}`;
            if (!p.trigger_id) {
              await tell(`Nothing was decided: this request asks for an answer. Open it to approve: ${openUrl}`);
              return ack();
            }
            // Only someone the rules let approve it now gets the form (the submission is checked again as it decides).
            const can = await viewerCan(deps.db, personAsker(member.caller.user!.id, member.caller.user!.role), a.id);
            const approve = can?.decide.allowed ? (can.decide.approve ?? { allowed: true }) : { allowed: false, reason: can?.decide.reason ?? null };
            if (!approve.allowed) {
              await tell(`Nothing was decided: ${approve.reason ?? 'you cannot approve this request now'}.`);
              return ack();
            }
            const privateMetadata = sealAnswerMetadata({ approval_id: a.id, slack_user: p.user.id, channel: p.channel?.id ?? null });
            const opened = await callSlack(() => client.views.open({ trigger_id: p.trigger_id!, view: answerModal({ approval: a, privateMetadata, openUrl }) as never }));
            if (opened.error) {
              req.log.warn({ error: opened.error }, 'Slack answer modal not opened');
              await tell(`Nothing was decided: Slack could not open the form. Open the request to approve: ${openUrl}`);
            }
            return ack();
          }
        }
        if (decision === null) {
          if (!p.trigger_id) return ack();
          const { rows } = await deps.db.query<{ id: string; title: string }>('SELECT id, title FROM approvals WHERE id = $1', [approvalId]);
          const opened = await callSlack(() =>
            client.views.open({
              trigger_id: p.trigger_id!,
              view: decisionModal({ approval: rows[0]!, privateMetadata: JSON.stringify({ approval_id: approvalId, channel: p.channel?.id ?? null }) }) as never,
            }),
          );
          if (opened.error) req.log.warn({ error: opened.error }, 'Slack modal not opened');
          return ack();
        }
        const result = withGrant ? await approveWithGrant(deps, member.caller, approvalId!) : await vote(deps, member.caller, approvalId!, decision, null);
        if (result.message) await tell(result.message);
        else if (withGrant) await tell(`Approved, and the same for ${GRANT_DURATION_LABELS['1h']}: this connection's matching requests are approved without asking until then. Revoke it under Grants in Greenlight.`);
        return ack();
      }

      const submission = ViewSubmission.safeParse(payload);
      if (submission.success && submission.data.view.callback_id === SLACK_ANSWER.callbackId) {
        const p = submission.data;
        const values = p.view.state.values;
        // approvalIdOf opened it already (the signature was checked with this request's org's secret); fail closed all the same.
        const meta = openAnswerMetadata(p.view.private_metadata);
        if (!meta || meta.approval_id !== approvalId) return next(new ApiError('UNAUTHORIZED', 'the form was not opened by Greenlight'));
        const a = await answeredRequest(deps, meta.approval_id);
        const fields = a ? editableFields(a) : [];
        const firstBlock = a?.response_schema
          ? SLACK_ANSWER.fieldBlock(Object.keys(a.response_schema.properties)[0]!)
          : fields.length > 0
            ? SLACK_ANSWER.editBlock(0)
            : SLACK_ANSWER.commentBlock;
        if (!a) return modalError({ [SLACK_ANSWER.commentBlock]: 'Nothing was decided: the request is gone.' });
        // The modal was opened for the person whose click opened it: nobody else submits it.
        if (meta.slack_user !== p.user.id) {
          req.log.warn({ approval_id: a.id }, 'Slack answer refused: submitted by another Slack user than the one it was opened for');
          return modalError({ [firstBlock]: 'Nothing was decided: this form was opened for someone else.' });
        }
        const comment = (formValue(values, SLACK_ANSWER.commentBlock) as string | null | undefined)?.trim() || null;
        if (comment !== null && comment.length > LIMITS.commentMax) return modalError({ [SLACK_ANSWER.commentBlock]: `At most ${LIMITS.commentMax} characters.` });
        const member = await memberOf(deps, app, p.user.id);
        if ('refusal' in member) return modalError({ [firstBlock]: member.refusal });
        const answer = {
          ...(a.response_schema && { response: answerFromForm(a.response_schema, (name) => formValue(values, SLACK_ANSWER.fieldBlock(name))) }),
          ...(fields.length > 0 && { edits: editsFromForm(fields, (i) => formValue(values, SLACK_ANSWER.editBlock(i))) }),
        };
        const result = await chatVote(deps, 'slack', member.caller, a.id, 'approve', comment, undefined, answer);
        if (!result.ok) {
          // Each field the decision path refused is shown under its input (Slack's documented `response_action: errors`); nothing was decided.
          const errors: Record<string, string> = {};
          for (const { at, reason } of formProblems(result.details, a.editable)) {
            // A field the modal has no input for (none: its inputs are the schema's) is told on the first one.
            const onInput = at !== null && ('edit' in at || Object.hasOwn(a.response_schema?.properties ?? {}, at.answer));
            const block = !onInput ? firstBlock : 'edit' in at ? SLACK_ANSWER.editBlock(at.edit) : SLACK_ANSWER.fieldBlock(at.answer);
            errors[block] = errors[block] ? `${errors[block]}; ${reason}` : reason;
          }
          return modalError(Object.keys(errors).length > 0 ? errors : { [firstBlock]: result.message });
        }
        if (result.message && meta.channel) {
          const client = slackClient(app.botToken, conn());
          await callSlack(() => client.chat.postEphemeral({ channel: meta.channel!, user: p.user.id, text: result.message! }));
        }
        return ack();
      }
      if (submission.success && submission.data.view.callback_id === SLACK_MODAL.callbackId) {
        const p = submission.data;
        const meta = ModalMetadata.safeParse(JSON.parse(p.view.private_metadata));
        const values = p.view.state.values;
        const decision = values[SLACK_MODAL.decisionBlock]?.[SLACK_MODAL.decisionAction]?.selected_option?.value;
        const comment = (values[SLACK_MODAL.commentBlock]?.[SLACK_MODAL.commentAction]?.value ?? '').trim() || null;
        if (!meta.success || (decision !== 'approve' && decision !== 'reject')) {
          return modalError({ [SLACK_MODAL.decisionBlock]: 'Choose Approve or Reject.' });
        }
        if (comment !== null && comment.length > LIMITS.commentMax) {
          return modalError({ [SLACK_MODAL.commentBlock]: `At most ${LIMITS.commentMax} characters.` });
        }
        const member = await memberOf(deps, app, p.user.id);
        if ('refusal' in member) return modalError({ [SLACK_MODAL.decisionBlock]: member.refusal });
        const result = await vote(deps, member.caller, meta.data.approval_id, decision, comment);
        if (!result.ok) return modalError({ [SLACK_MODAL.decisionBlock]: result.message });
        if (result.message && meta.data.channel) {
          const client = slackClient(app.botToken, conn());
          await callSlack(() => client.chat.postEphemeral({ channel: meta.data.channel!, user: p.user.id, text: result.message! }));
        }
        return ack();
      }
      return ack();
    } catch (err) {
      next(err);
    }
  });
  return router;
}
