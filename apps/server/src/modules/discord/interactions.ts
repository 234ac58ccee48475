/**
 * The interactions Discord posts to an org's Interactions Endpoint URL (set in Discord's developer
 * portal to the URL modules/discord/discord-settings.ts shows).
 *
 * Guard clauses, in order:
 * 1. The org in the path selects the application. The body is read raw (capped); the Ed25519 signature
 *    in `X-Signature-Ed25519` over `X-Signature-Timestamp` + the raw body must verify against the
 *    application's public key (discord-interactions' verifyKey: WebCrypto Ed25519). Both headers must
 *    have their documented shape first (128 hex characters; decimal seconds), as verifyKey reads hex
 *    leniently. An unknown org, an org without an application, a missing or bad signature: 401 (the
 *    answer Discord expects to see when it tests the endpoint with a bad signature).
 * 2. The timestamp must be within 5 minutes of now: an older signed request (replayed) is 401. Discord
 *    itself does not specify a window; the signature binds the timestamp, so the window is ours.
 * 3. The body is parsed: not JSON or not an interaction → 400. Its application must be the org's.
 * 4. Each interaction id is answered once (discord_interactions_seen, kept longer than the window): the
 *    same signed interaction posted again is 401.
 * 5. PING → PONG. `/link <code>` links the invoking account (a one-time code a signed-in member made).
 * 6. A button (MESSAGE_COMPONENT): the clicker must be a linked member; the button's token must exist,
 *    be this org's, be the clicker's own when it was sent to a person (bound to one request, one person,
 *    one decision) and unspent; the member may not be a viewer. A person's token is spent (given back
 *    if the vote is refused), then the vote goes through the one decision path (channels/chat-vote.ts)
 *    with `discord` as its source. Every outcome is told to the clicker alone (an ephemeral message,
 *    flag 64). The message is edited with the outcome by the outbox, for every recipient.
 *
 * 7. A person's Comment button opens a form (a modal: the first answer, never deferred); the submitted
 *    form (MODAL_SUBMIT, signed like every interaction) passes the same checks as the button, and the
 *    comment is added as the member by the API's rule (modules/comments/add-comment.ts).
 *
 * Discord drops an interaction not answered within 3 seconds: a click whose vote takes longer than
 * GREENLIGHT_DISCORD_ANSWER_WITHIN_MS is answered with a deferred update (type 6), and its outcome is
 * told by an ephemeral follow-up through the interaction's webhook when the vote is done.
 */
import express, { type Router } from 'express';
import { InteractionResponseFlags, InteractionResponseType, InteractionType, verifyKey } from 'discord-interactions';
import { z } from 'zod';
import type { AppDeps } from '../../context.ts';
import { ApiError } from '../../errors.ts';
import { platformBody } from '../../http/platform-body.ts';
import { sha256Hex } from '../../security/tokens.ts';
import { chatButton, chatVote, linkedMember, memberCaller, refusedClick, VIEWER_REFUSAL, type ChatButton, type ClickOutcome, type LinkedMember } from '../../channels/chat-vote.ts';
import { callDiscord, discordAppOf, type DiscordConnection } from '../../channels/discord/discord-client.ts';
import { COMMENT_FIELD, commentModal, LINK_HELP } from '../../channels/discord/discord-messages.ts';
import { LIMITS } from '@greenlight/contract';
import { addComment } from '../comments/add-comment.ts';
import { redeemLinkCode } from './discord-settings.ts';

const BODY_LIMIT = '256kb';
/** Discord's limit on a form field's text. */
const DISCORD_TEXT_INPUT_MAX = 4000;
/** How far a signed timestamp may be from now. */
export const TIMESTAMP_WINDOW_S = 300;

const Snowflake = z.string().regex(/^[0-9]{1,21}$/);
const User = z.object({ id: Snowflake, username: z.string().max(64).optional(), bot: z.boolean().optional() });

const Interaction = z.object({
  id: Snowflake,
  application_id: Snowflake,
  type: z.number().int(),
  token: z.string().min(1).max(500).regex(/^[A-Za-z0-9_.-]+$/),
  data: z
    .object({
      custom_id: z.string().max(100).optional(),
      name: z.string().max(32).optional(),
      options: z.array(z.object({ name: z.string().max(32), value: z.unknown() })).max(25).optional(),
      // A submitted form: its rows of fields.
      components: z.array(z.object({ components: z.array(z.object({ custom_id: z.string().max(100), value: z.string().max(8000).optional() })).max(5) })).max(5).optional(),
    })
    .optional(),
  member: z.object({ user: User }).optional(),
  user: User.optional(),
});
type Interaction = z.infer<typeof Interaction>;

const Uuid = z.uuid();

const ephemeral = (content: string) => ({
  type: InteractionResponseType.CHANNEL_MESSAGE_WITH_SOURCE,
  data: { content: content.slice(0, 2000), flags: InteractionResponseFlags.EPHEMERAL, allowed_mentions: { parse: [] } },
});

export function discordInteractionsRouter(deps: AppDeps): Router {
  const router = express.Router();
  const conn = (): DiscordConnection => ({ apiUrl: deps.config.GREENLIGHT_DISCORD_API_URL, timeoutMs: deps.config.GREENLIGHT_DELIVERY_TIMEOUT_MS });

  router.post('/channels/discord/:org/interactions', express.raw({ type: () => true, limit: BODY_LIMIT }), async (req, res, next) => {
    try {
      const orgId = String(req.params.org);
      const app = Uuid.safeParse(orgId).success ? await discordAppOf(deps.db, orgId) : null;
      const signature = req.header('x-signature-ed25519') ?? '';
      const timestamp = req.header('x-signature-timestamp') ?? '';
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const verified =
        app !== null && /^[0-9a-fA-F]{128}$/.test(signature) && /^[0-9]{1,12}$/.test(timestamp) && (await verifyKey(raw, signature, timestamp, app.publicKey));
      if (!verified) {
        req.log.warn({ org_id: orgId }, 'Discord interaction refused: signature not verified');
        return next(new ApiError('UNAUTHORIZED', "the interaction does not carry a valid signature of the organization's Discord application"));
      }
      if (Math.abs(Date.now() / 1000 - Number(timestamp)) > TIMESTAMP_WINDOW_S) {
        req.log.warn({ org_id: orgId }, 'Discord interaction refused: stale timestamp');
        return next(new ApiError('UNAUTHORIZED', 'the interaction was signed too long ago'));
      }
      const interaction = platformBody(raw, Interaction, { notJson: 'expected a JSON Discord interaction', notShape: 'expected a Discord interaction (id, application_id, type, token)' });
      if (interaction.application_id !== app.applicationId) return next(new ApiError('UNAUTHORIZED', "the interaction is not for the organization's Discord application"));
      if (!(await firstTime(deps, interaction.id))) {
        req.log.warn({ org_id: orgId }, 'Discord interaction refused: already answered');
        return next(new ApiError('UNAUTHORIZED', 'this interaction was already answered'));
      }

      if (interaction.type === InteractionType.PING) return res.status(200).json({ type: InteractionResponseType.PONG });
      const user = interaction.member?.user ?? interaction.user;
      if (!user || user.bot) return res.status(200).json(ephemeral('Nothing was done: Greenlight acts for people only.'));

      if (interaction.type === InteractionType.APPLICATION_COMMAND) {
        const code = interaction.data?.name === 'link' ? interaction.data.options?.find((o) => o.name === 'code')?.value : undefined;
        if (typeof code !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(code.trim())) return res.status(200).json(ephemeral(LINK_HELP));
        const linked = await redeemLinkCode(deps.db, orgId, code.trim(), { discordUserId: user.id, username: user.username ?? null });
        req.log.info({ org_id: orgId, user_id: linked?.userId ?? null }, linked ? 'Discord account linked' : 'Discord link code refused');
        return res
          .status(200)
          .json(
            ephemeral(
              linked
                ? 'Linked: this Discord account now receives the requests you are asked to decide in Greenlight, with Approve and Reject buttons.'
                : 'That code is not valid: it may be used or expired (codes last 10 minutes). Create a new one in Greenlight.',
            ),
          );
      }

      if (interaction.type === InteractionType.MESSAGE_COMPONENT && (await isCommentButton(deps, orgId, interaction.data?.custom_id ?? ''))) {
        // A form must be the first answer (it cannot follow a deferred one); opening it decides nothing.
        const refusal = await commentRefusal(deps, orgId, user.id, interaction.data!.custom_id!);
        if (refusal) return res.status(200).json(ephemeral(refusal.text));
        return res.status(200).json({ type: InteractionResponseType.MODAL, data: commentModal(interaction.data!.custom_id!, Math.min(DISCORD_TEXT_INPUT_MAX, LIMITS.commentMax)) });
      }

      if (interaction.type === InteractionType.MODAL_SUBMIT) {
        const customId = interaction.data?.custom_id ?? '';
        const text = interaction.data?.components?.flatMap((r) => r.components).find((c) => c.custom_id === COMMENT_FIELD)?.value?.trim() ?? '';
        const outcome = await commentOutcome(deps, orgId, user.id, customId, text);
        req.log.info({ org_id: orgId, approval_id: outcome.approvalId, saved: outcome.decided }, 'Discord comment');
        return res.status(200).json(ephemeral(outcome.text));
      }

      if (interaction.type === InteractionType.MESSAGE_COMPONENT) {
        const work = clickOutcome(deps, orgId, user.id, interaction.data?.custom_id ?? '');
        const budget = deps.config.GREENLIGHT_DISCORD_ANSWER_WITHIN_MS;
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<null>((r) => {
          timer = setTimeout(() => r(null), budget);
        });
        const first = budget === 0 ? null : await Promise.race([work, late]);
        clearTimeout(timer);
        if (first) {
          req.log.info({ org_id: orgId, approval_id: first.approvalId, decided: first.decided }, 'Discord button');
          return res.status(200).json(ephemeral(first.text));
        }
        // Deferred: Discord shows the click as taken; the outcome follows through the interaction's webhook.
        res.status(200).json({ type: InteractionResponseType.DEFERRED_UPDATE_MESSAGE });
        const log = req.log;
        void work
          .then(async (outcome) => {
            log.info({ org_id: orgId, approval_id: outcome.approvalId, decided: outcome.decided, deferred: true }, 'Discord button');
            const sent = await callDiscord(conn(), null, 'POST', `/webhooks/${app.applicationId}/${interaction.token}`, ephemeral(outcome.text).data);
            if (sent.error) log.warn({ error: sent.error }, 'Discord follow-up not sent');
          })
          .catch((err: unknown) => log.error({ err }, 'Discord button failed after a deferred answer'));
        return;
      }
      return res.status(200).json(ephemeral('Nothing was done: Greenlight does not know this interaction.'));
    } catch (err) {
      next(err);
    }
  });
  return router;
}

/** Records the interaction as answered; false when it already was. Forgets those older than the window can accept. */
async function firstTime(deps: AppDeps, interactionId: string): Promise<boolean> {
  const { rows } = await deps.db.query('INSERT INTO discord_interactions_seen (interaction_id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING 1', [interactionId]);
  if (rows.length > 0 && Math.random() < 0.05) {
    await deps.db.query(`DELETE FROM discord_interactions_seen WHERE seen_at < now() - make_interval(secs => $1)`, [TIMESTAMP_WINDOW_S * 2]);
  }
  return rows.length > 0;
}

const refuse = refusedClick;

/**
 * The member behind a Discord account and the button (or form) they used, or the refusal: an
 * unlinked account; a token not this org's, not of this `kind`; a person's token used by another.
 */
async function memberAndButton(deps: AppDeps, orgId: string, discordUserId: string, customId: string, comment: boolean): Promise<{ member: LinkedMember; button: ChatButton; hash: string } | ClickOutcome> {
  const member = await linkedMember(deps.db, 'discord', orgId, discordUserId);
  if (!member) return refuse(LINK_HELP);
  const hash = sha256Hex(customId);
  const button = await chatButton(deps.db, 'discord', orgId, hash);
  if (!button || (button.decision === 'comment') !== comment) return refuse('This button is not one Greenlight sent you. Nothing was decided.');
  if (button.user_id !== null && button.user_id !== member.id) return refuse('This button was sent to someone else. Nothing was decided.', button.approval_id);
  return { member, button, hash };
}

async function isCommentButton(deps: AppDeps, orgId: string, customId: string): Promise<boolean> {
  const { rows } = await deps.db.query("SELECT 1 FROM discord_buttons WHERE token_hash = $1 AND org_id = $2 AND decision = 'comment'", [sha256Hex(customId), orgId]);
  return rows.length > 0;
}

/** Why the clicker may not open the Comment form, or null. */
async function commentRefusal(deps: AppDeps, orgId: string, discordUserId: string, customId: string): Promise<ClickOutcome | null> {
  const found = await memberAndButton(deps, orgId, discordUserId, customId, true);
  return 'text' in found ? found : null;
}

/** A submitted Comment form: the comment added as the member (the API's rule: addComment), or why not. */
async function commentOutcome(deps: AppDeps, orgId: string, discordUserId: string, customId: string, text: string): Promise<ClickOutcome> {
  const found = await memberAndButton(deps, orgId, discordUserId, customId, true);
  if ('text' in found) return found;
  const { member, button } = found;
  if (text.length === 0 || text.length > LIMITS.commentMax) return refuse('Nothing was saved: a comment needs some text.', button.approval_id);
  try {
    await addComment(deps.db, memberCaller(orgId, member), button.approval_id, text);
    return { decided: true, text: 'Your comment is saved on the request.', approvalId: button.approval_id };
  } catch (err) {
    if (err instanceof ApiError) return refuse(`Nothing was saved: ${err.message}.`, button.approval_id);
    throw err;
  }
}

/** What a click does: the refusal, or the vote's result, for the clicker alone. */
async function clickOutcome(deps: AppDeps, orgId: string, discordUserId: string, customId: string): Promise<ClickOutcome> {
  const found = await memberAndButton(deps, orgId, discordUserId, customId, false);
  if ('text' in found) return found;
  const { member, button, hash } = found;
  if (button.decision === 'comment') return refuse('This button is not one Greenlight sent you. Nothing was decided.');
  if (member.role === 'viewer') return refuse(VIEWER_REFUSAL, button.approval_id);
  const personal = button.user_id !== null;
  // A person's button is spent before the vote: of two clicks at once, one reaches the decision path.
  // The channel's buttons are everyone's: the decision path counts one vote per person.
  if (personal) {
    const { rows: spent } = await deps.db.query('UPDATE discord_buttons SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL RETURNING 1', [hash]);
    if (spent.length === 0) return refuse('This button was already used. Nothing more was decided.', button.approval_id);
  }
  const result = await chatVote(deps, 'discord', memberCaller(orgId, member), button.approval_id, button.decision, null);
  if (!result.ok) {
    // Refused (the stop, not yet their step…): nothing was decided, so the button is theirs to press again later.
    if (personal) await deps.db.query('UPDATE discord_buttons SET used_at = NULL WHERE token_hash = $1', [hash]);
    return refuse(result.message, button.approval_id);
  }
  return { decided: true, text: result.message ?? (button.decision === 'approve' ? 'Approved.' : 'Rejected.'), approvalId: button.approval_id };
}
