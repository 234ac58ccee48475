/**
 * The activities Teams posts to an org's bot (its messaging endpoint, set in the Azure Bot
 * registration: `/channels/msteams/<org>/messages`).
 *
 * Guard clauses, in order:
 * 1. The org in the path selects the bot (its app id is the audience the token must name); an unknown
 *    org, an org without a bot, or no `Authorization: Bearer` header: 401, nothing read further.
 * 2. The body is read raw, capped, and parsed: not JSON or not an activity → 400.
 * 3. The token must be the Bot Framework's for this bot and this activity (channels/msteams/msteams-auth.ts:
 *    issuer, signature by a key of the OpenID metadata endorsed for `msteams`, audience = app id,
 *    expiry, the `serviceurl` claim equal to the activity's serviceUrl): else 401.
 * 4. `link <code>` in a personal chat links the sender's account (a one-time code a signed-in member
 *    made). Anything else said to the bot in a personal chat is answered with how to link.
 * 5. A card action (an `adaptiveCard/action` invoke from Action.Execute; a message carrying `value`
 *    from Action.Submit): the sender must be a linked member; the action's token must exist, be this
 *    org's, be the sender's own (or a channel card's) and not yet used by them; the member may not be a
 *    viewer. The use is recorded (and taken back if refused), then the vote goes through the one
 *    decision path (channels/chat-vote.ts) with `msteams` as its source, or the comment is added. An
 *    Approve of a request that asks for an answer carries its card's form (channels/chat-answers.ts),
 *    checked by the decision path; a refused answer is told with the fields it got wrong. Every
 *    outcome is told to the clicking person alone: the invoke's answer, which Teams shows only to them
 *    (for Action.Submit, a reply in their personal chat). Every card is updated by the outbox.
 *
 * Nothing here answers a GET: a link preview or crawler reaching the endpoint decides nothing.
 */
import express, { type Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../context.ts';
import { ApiError } from '../../errors.ts';
import { platformBody } from '../../http/platform-body.ts';
import { sha256Hex } from '../../security/tokens.ts';
import { chatButton, chatVote, linkedMember, memberCaller, refusedClick, VIEWER_REFUSAL, type ChatAnswer, type ClickOutcome } from '../../channels/chat-vote.ts';
import { answerFromForm, asksAnswer, editableFields, editsFromForm, FORM_IDS, formProblems, type EditableField } from '../../channels/chat-answers.ts';
import type { ApprovalRow } from '../../core/approval-record.ts';
import { ANSWER_LIMITS } from '@greenlight/contract';
import { verifyBotFrameworkRequest } from '../../channels/msteams/msteams-auth.ts';
import { activitiesPath, callConnector, msteamsBotOf, msteamsConnection, type MsTeamsBot } from '../../channels/msteams/msteams-client.ts';
import { COMMENT_INPUT, COMMENT_MAX, LINK_HELP } from '../../channels/msteams/msteams-cards.ts';
import { addComment } from '../comments/add-comment.ts';
import { redeemLinkCode } from './msteams-settings.ts';

const BODY_LIMIT = '256kb';

const Activity = z.object({
  type: z.string().min(1).max(64),
  id: z.string().max(512).optional(),
  channelId: z.string().min(1).max(64),
  serviceUrl: z.url({ protocol: /^https?$/ }).max(2048),
  from: z.object({ id: z.string().min(1).max(512), name: z.string().max(512).optional(), aadObjectId: z.string().max(128).optional() }),
  conversation: z.object({ id: z.string().min(1).max(1024), conversationType: z.string().max(64).optional() }),
  text: z.string().max(28_000).optional(),
  name: z.string().max(256).optional(),
  value: z.unknown().optional(),
});
type Activity = z.infer<typeof Activity>;

/**
 * What a card action carries: our token, the comment box's text, and the values of a request's form
 * (answer_<field>, edit_<index>: chat-answers.ts FORM_IDS), which Teams sends as text (a number input's
 * value may come as a number, a toggle's as its valueOn / valueOff).
 */
const FormInput = z.union([z.string().max(10_000), z.number(), z.boolean()]).transform(String);
const ActionData = z
  .object({ gl: z.string().min(1).max(128), [COMMENT_INPUT]: z.string().max(COMMENT_MAX).optional() })
  .catchall(FormInput)
  .refine((d) => Object.keys(d).length <= 2 + ANSWER_LIMITS.fieldsMax + ANSWER_LIMITS.editableMax, { message: 'too many inputs' });
const ExecuteValue = z.object({ action: z.object({ type: z.literal('Action.Execute'), verb: z.string().max(64).optional(), data: ActionData }) });

const Uuid = z.uuid();

const messageAnswer = (text: string) => ({ statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: text });

export function msteamsMessagesRouter(deps: AppDeps): Router {
  const router = express.Router();
  const conn = () => msteamsConnection(deps.config);

  router.post('/channels/msteams/:org/messages', express.raw({ type: () => true, limit: BODY_LIMIT }), async (req, res, next) => {
    try {
      const orgId = String(req.params.org);
      const bot = Uuid.safeParse(orgId).success ? await msteamsBotOf(deps.db, orgId) : null;
      const authorization = req.header('authorization');
      if (!bot || !authorization?.startsWith('Bearer ')) {
        req.log.warn({ org_id: orgId }, 'Teams activity refused: no bot or no token');
        return next(new ApiError('UNAUTHORIZED', "the activity does not carry a Bot Framework token for the organization's Teams bot"));
      }
      const activity = platformBody(req.body, Activity, {
        notJson: 'expected a JSON Bot Framework activity',
        notShape: 'expected a Bot Framework activity (type, channelId, serviceUrl, from, conversation)',
      });
      const verified = await verifyBotFrameworkRequest({ authorization, appId: bot.appId, channelId: activity.channelId, serviceUrl: activity.serviceUrl, openIdUrl: deps.config.GREENLIGHT_MSTEAMS_OPENID_URL });
      if (!verified.ok) {
        req.log.warn({ org_id: orgId, reason: verified.reason }, 'Teams activity refused: token not verified');
        return next(new ApiError('UNAUTHORIZED', 'the Bot Framework token was not verified'));
      }
      // The Connector API of the org's Teams, as a verified activity names it: where its channel's card goes.
      if (bot.serviceUrl !== activity.serviceUrl) {
        await deps.db.query('UPDATE msteams_settings SET service_url = $2 WHERE org_id = $1 AND app_id = $3', [orgId, activity.serviceUrl, bot.appId]);
      }

      if (activity.type === 'invoke' && activity.name === 'adaptiveCard/action') {
        const value = ExecuteValue.safeParse(activity.value);
        const outcome = value.success
          ? await clickOutcome(deps, orgId, activity.from.id, value.data.action.verb ?? null, value.data.action.data)
          : { decided: false, text: 'This action is not one Greenlight sent you. Nothing was decided.', approvalId: null };
        req.log.info({ org_id: orgId, approval_id: outcome.approvalId, decided: outcome.decided }, 'Teams card action');
        return res.status(200).json(messageAnswer(outcome.text));
      }

      if (activity.type === 'message' && activity.value !== undefined) {
        const data = ActionData.safeParse(activity.value);
        const outcome = data.success
          ? await clickOutcome(deps, orgId, activity.from.id, null, data.data)
          : { decided: false, text: 'This action is not one Greenlight sent you. Nothing was decided.', approvalId: null };
        req.log.info({ org_id: orgId, approval_id: outcome.approvalId, decided: outcome.decided }, 'Teams card action (submit)');
        await tellPrivately(deps, bot, activity, outcome.text, req.log);
        return res.status(200).json({});
      }

      if (activity.type === 'message' && activity.conversation.conversationType === 'personal') {
        const link = /^\s*(?:<at>[^<]{0,200}<\/at>\s*)?link\s+([A-Za-z0-9_-]{1,64})\s*$/i.exec(activity.text ?? '');
        let reply = LINK_HELP;
        if (link) {
          const linked = await redeemLinkCode(deps.db, orgId, link[1]!, {
            msteamsUserId: activity.from.id,
            aadObjectId: activity.from.aadObjectId ?? null,
            name: activity.from.name ?? null,
            conversationId: activity.conversation.id,
            serviceUrl: activity.serviceUrl,
          });
          reply = linked
            ? 'Linked: this Teams account now receives the requests you are asked to decide in Greenlight, with Approve, Reject and Comment.'
            : 'That code is not valid: it may be used or expired (codes last 10 minutes). Create a new one in Greenlight.';
          req.log.info({ org_id: orgId, user_id: linked?.userId ?? null }, linked ? 'Teams account linked' : 'Teams link code refused');
        }
        await reply_(bot, activity, reply, req.log);
        return res.status(200).json({});
      }
      return res.status(200).json({});
    } catch (err) {
      next(err);
    }
  });
  return router;

  async function reply_(bot: MsTeamsBot, activity: Activity, text: string, log: { warn: (o: object, m: string) => void }): Promise<void> {
    const path = activitiesPath(activity.conversation.id, activity.id);
    const sent = await callConnector(bot, conn(), 'POST', activity.serviceUrl, path, { type: 'message', text, textFormat: 'plain', ...(activity.id ? { replyToId: activity.id } : {}) });
    if (sent.error) log.warn({ error: sent.error, org_id: bot.orgId }, 'Teams reply not sent');
  }

  /** A refusal or result of an Action.Submit, told in the clicking person's own chat (never in a channel). */
  async function tellPrivately(d: AppDeps, bot: MsTeamsBot, activity: Activity, text: string, log: { warn: (o: object, m: string) => void }): Promise<void> {
    if (activity.conversation.conversationType === 'personal') return reply_(bot, activity, text, log);
    const { rows } = await d.db.query<{ conversation_id: string; service_url: string }>('SELECT conversation_id, service_url FROM msteams_links WHERE org_id = $1 AND msteams_user_id = $2', [
      bot.orgId,
      activity.from.id,
    ]);
    const chat = rows[0];
    if (!chat) return;
    const sent = await callConnector(bot, conn(), 'POST', chat.service_url, activitiesPath(chat.conversation_id), { type: 'message', text, textFormat: 'plain' });
    if (sent.error) log.warn({ error: sent.error, org_id: bot.orgId }, 'Teams answer not sent');
  }
}

/** What a card action does: the refusal, or the vote's (or comment's) result, for the clicking person alone. */
async function clickOutcome(deps: AppDeps, orgId: string, msteamsUserId: string, verb: string | null, data: z.infer<typeof ActionData>): Promise<ClickOutcome> {
  const refuse = refusedClick;
  const member = await linkedMember(deps.db, 'msteams', orgId, msteamsUserId);
  if (!member) return refuse(LINK_HELP);
  const hash = sha256Hex(data.gl);
  const button = await chatButton(deps.db, 'msteams', orgId, hash);
  if (!button || (verb !== null && verb !== button.decision)) return refuse('This action is not one Greenlight sent you. Nothing was decided.');
  if (button.user_id !== null && button.user_id !== member.id) return refuse('This card was sent to someone else. Nothing was decided.', button.approval_id);
  if (member.role === 'viewer') return refuse(VIEWER_REFUSAL, button.approval_id);
  const comment = data[COMMENT_INPUT]?.trim() || null;
  if (button.decision === 'comment' && !comment) return refuse('Write your comment in the box first. Nothing was added.', button.approval_id);
  // Used before the vote: of two clicks at once, one reaches the decision path.
  const { rows: spent } = await deps.db.query('INSERT INTO msteams_button_uses (token_hash, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1', [hash, member.id]);
  if (spent.length === 0) return refuse('You already used this action. Nothing more was decided.', button.approval_id);
  const giveBack = () => deps.db.query('DELETE FROM msteams_button_uses WHERE token_hash = $1 AND user_id = $2', [hash, member.id]);
  const caller = memberCaller(orgId, member);
  if (button.decision === 'comment') {
    try {
      await addComment(deps.db, caller, button.approval_id, comment!);
      return { decided: false, text: 'Your comment is added.', approvalId: button.approval_id };
    } catch (err) {
      await giveBack();
      if (err instanceof ApiError) return refuse(`Nothing was added: ${err.message}.`, button.approval_id);
      throw err;
    }
  }
  const answer = button.decision === 'approve' ? await answerOf(deps, button.approval_id, data) : null;
  const result = await chatVote(deps, 'msteams', caller, button.approval_id, button.decision, comment, undefined, answer);
  if (!result.ok) {
    // Refused (the stop, not yet their step…): nothing was decided, so the action is theirs to use again later.
    await giveBack();
    // A refused answer names each field the card's form got wrong, in the words of the form.
    const problems = answer ? formProblems(result.details, answer.editable) : [];
    if (problems.length > 0) {
      const fields = answer!.fields;
      const named = problems.map((p) => `${p.at === null ? '' : 'answer' in p.at ? `${p.at.answer}: ` : `${fields[p.at.edit]?.path ?? 'edit'}: `}${p.reason}`);
      return refuse(`Nothing was decided: ${named.join('; ')}.`, button.approval_id);
    }
    return refuse(result.message, button.approval_id);
  }
  return { decided: true, text: result.message ?? (button.decision === 'approve' ? 'Approved.' : 'Rejected.'), approvalId: button.approval_id };
}

/**
 * The answer and edits an Approve of a card carries, read from its form's inputs, when the request asks
 * for them; null otherwise (a one-tap approve, which chatVote refuses for a request that needs an answer).
 */
async function answerOf(
  deps: AppDeps,
  approvalId: string,
  data: Record<string, string | undefined>,
): Promise<(ChatAnswer & { editable: string[]; fields: EditableField[] }) | null> {
  const { rows } = await deps.db.query<Pick<ApprovalRow, 'response_schema' | 'editable' | 'metadata' | 'changes'>>(
    'SELECT response_schema, editable, metadata, changes FROM approvals WHERE id = $1',
    [approvalId],
  );
  const a = rows[0];
  if (!a || !asksAnswer(a)) return null;
  const fields = editableFields(a);
  const has = (id: string) => Object.hasOwn(data, id);
  // A card without the form's inputs (an old card, a crafted action) answers nothing: a one-tap approve.
  const sent = (a.response_schema ? Object.keys(a.response_schema.properties).some((n) => has(FORM_IDS.field(n))) : false) || fields.some((_, i) => has(FORM_IDS.edit(i)));
  if (!sent) return null;
  return {
    ...(a.response_schema && { response: answerFromForm(a.response_schema, (n) => (has(FORM_IDS.field(n)) ? data[FORM_IDS.field(n)] : undefined)) }),
    ...(fields.length > 0 && { edits: editsFromForm(fields, (i) => (has(FORM_IDS.edit(i)) ? data[FORM_IDS.edit(i)] : undefined)) }),
    editable: a.editable,
    fields,
  };
}
