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
 *    decision path (channels/chat-vote.ts) with `msteams` as its source, or the comment is added. Every
 *    outcome is told to the clicking person alone: the invoke's answer, which Teams shows only to them
 *    (for Action.Submit, a reply in their personal chat). Every card is updated by the outbox.
 *
 * Nothing here answers a GET: a link preview or crawler reaching the endpoint decides nothing.
 */
import express, { type Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../context.ts';
import { ApiError } from '../../errors.ts';
import { sha256Hex } from '../../security/tokens.ts';
import { chatVote, memberCaller, VIEWER_REFUSAL } from '../../channels/chat-vote.ts';
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

/** What a card action carries: our token, and the comment box's text. */
const ActionData = z.object({ gl: z.string().min(1).max(128), [COMMENT_INPUT]: z.string().max(COMMENT_MAX).optional() });
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
      let json: unknown;
      try {
        json = JSON.parse(Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '');
      } catch {
        return next(new ApiError('VALIDATION_ERROR', 'expected a JSON Bot Framework activity'));
      }
      const parsed = Activity.safeParse(json);
      if (!parsed.success) return next(new ApiError('VALIDATION_ERROR', 'expected a Bot Framework activity (type, channelId, serviceUrl, from, conversation)', undefined, undefined, { cause: parsed.error }));
      const activity = parsed.data;
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

type ClickOutcome = { decided: boolean; text: string; approvalId: string | null };

/** What a card action does: the refusal, or the vote's (or comment's) result, for the clicking person alone. */
async function clickOutcome(deps: AppDeps, orgId: string, msteamsUserId: string, verb: string | null, data: z.infer<typeof ActionData>): Promise<ClickOutcome> {
  const refuse = (text: string, approvalId: string | null = null): ClickOutcome => ({ decided: false, text, approvalId });
  const { rows: links } = await deps.db.query<{ id: string; email: string; name: string | null; role: 'admin' | 'approver' | 'viewer' | null }>(
    `SELECT u.id, u.email, u.name, m.role FROM msteams_links l JOIN users u ON u.id = l.user_id
       LEFT JOIN memberships m ON m.org_id = l.org_id AND m.user_id = l.user_id
      WHERE l.org_id = $1 AND l.msteams_user_id = $2`,
    [orgId, msteamsUserId],
  );
  const member = links[0];
  if (!member || member.role === null) return refuse(LINK_HELP);
  const hash = sha256Hex(data.gl);
  const { rows: buttons } = await deps.db.query<{ approval_id: string; user_id: string | null; decision: 'approve' | 'reject' | 'comment' }>(
    'SELECT approval_id, user_id, decision FROM msteams_buttons WHERE token_hash = $1 AND org_id = $2',
    [hash, orgId],
  );
  const button = buttons[0];
  if (!button || (verb !== null && verb !== button.decision)) return refuse('This action is not one Greenlight sent you. Nothing was decided.');
  if (button.user_id !== null && button.user_id !== member.id) return refuse('This card was sent to someone else. Nothing was decided.', button.approval_id);
  if (member.role === 'viewer') return refuse(VIEWER_REFUSAL, button.approval_id);
  const comment = data[COMMENT_INPUT]?.trim() || null;
  if (button.decision === 'comment' && !comment) return refuse('Write your comment in the box first. Nothing was added.', button.approval_id);
  // Used before the vote: of two clicks at once, one reaches the decision path.
  const { rows: spent } = await deps.db.query('INSERT INTO msteams_button_uses (token_hash, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1', [hash, member.id]);
  if (spent.length === 0) return refuse('You already used this action. Nothing more was decided.', button.approval_id);
  const giveBack = () => deps.db.query('DELETE FROM msteams_button_uses WHERE token_hash = $1 AND user_id = $2', [hash, member.id]);
  const caller = memberCaller(orgId, { ...member, role: member.role });
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
  const result = await chatVote(deps, 'msteams', caller, button.approval_id, button.decision, comment);
  if (!result.ok) {
    // Refused (the stop, not yet their step…): nothing was decided, so the action is theirs to use again later.
    await giveBack();
    return refuse(result.message, button.approval_id);
  }
  return { decided: true, text: result.message ?? (button.decision === 'approve' ? 'Approved.' : 'Rejected.'), approvalId: button.approval_id };
}
