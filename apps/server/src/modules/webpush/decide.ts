/**
 * What a push notification's Approve / Reject action does: the dashboard's service worker POSTs the
 * action's token here (apps/web/public/sw.js). The token is a decision link of channel `webpush`
 * (modules/decision-links): 256 random bits, only its hash stored, bound to one request, one person
 * and one decision, single-use, expiring with the request, and void once its device is removed. It
 * authenticates this one vote and nothing else: the device may be signed out (a phone's session ends,
 * its notifications stay). A device signed in as someone else, though, is refused: whatever way the
 * token reached it, it is not theirs.
 *
 * Guard clauses, in order: a JSON body holding a token (else 400) → a webpush link with that token
 * (else 404) → no dashboard session of another person on the device (else 403) → not an approve of a
 * request that needs an answer (channels/chat-answers.ts; else 400: it is approved on its page) → unused, unexpired, the request still open and not yet voted on by its person (else 409,
 * saying which) → the person still a member who may decide (else 403) → the vote, through the one
 * decision path with `webpush` as its source (core/approvals: four-eyes, steps, quorum, expiry, the
 * emergency stop): its refusals are the API's own, with the API's status and code, and leave the token
 * unspent. Only POST decides: fetching the path (a preview, a prefetch) is 404, as for any unknown route.
 */
import express, { type Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../context.ts';
import { ApiError } from '../../errors.ts';
import { countDecisions } from '../../metrics/count-decisions.ts';
import { WEBPUSH_DECIDE_PATH } from '../../channels/webpush/webpush-payload.ts';
import { needsAnswer } from '../../channels/chat-answers.ts';
import { describeLink, useLink, type LinkState } from '../decision-links/decision-links.ts';
import { findSession, readCookie, SESSION_COOKIE } from '../users/sessions.ts';

const Body = z.strictObject({ token: z.string().min(1).max(128) });

/** Why a token decides nothing now (its state, as describeLink reads it). */
function unusable(state: LinkState): ApiError {
  switch (state.kind) {
    case 'unknown':
      return new ApiError('NOT_FOUND', 'this action is not one Greenlight sent: nothing was decided');
    case 'used':
      return new ApiError('INVALID_STATUS', 'this action was already used: nothing more was decided');
    case 'closed':
      return new ApiError('INVALID_STATUS', `the request is already ${state.approval.status}: nothing was decided`);
    case 'expired':
      return new ApiError('APPROVAL_EXPIRED', 'this action has expired: nothing was decided');
    case 'voted':
      return new ApiError('ALREADY_VOTED', `you already voted on this request (${state.vote.decision}): nothing more was decided`);
    case 'open':
      return new ApiError('INVALID_STATUS', 'nothing was decided: please try again');
  }
}

export function webpushDecideRouter(deps: AppDeps): Router {
  const router = express.Router();
  router.post(WEBPUSH_DECIDE_PATH, express.json({ limit: '4kb' }), async (req, res, next) => {
    try {
      const body = Body.safeParse(req.body);
      if (!body.success) return next(new ApiError('VALIDATION_ERROR', 'expected {"token": "…"}: the token of a push notification\'s action'));
      const token = body.data.token;
      const cookie = readCookie(req, SESSION_COOKIE);
      const session = cookie ? await findSession(deps.db, cookie) : null;
      const seen = await describeLink(deps.db, token, 'webpush');
      if (session && seen.kind !== 'unknown' && seen.link.user_id !== session.user.id) {
        req.log.warn({ approval_id: seen.link.approval_id }, 'Web Push action refused: sent to another person');
        return next(new ApiError('FORBIDDEN', 'this action was sent to someone else: nothing was decided'));
      }
      // A request that needs an answer is approved on its page, never by an action (its notification offers none).
      if (seen.kind === 'open' && seen.link.decision === 'approve' && needsAnswer(seen.approval)) {
        req.log.info({ approval_id: seen.link.approval_id }, 'Web Push approve refused: the request needs an answer');
        return next(new ApiError('VALIDATION_ERROR', `this request asks for an answer: open it to approve (${deps.config.publicUrl}/requests/${seen.link.approval_id}); nothing was decided`));
      }
      const result = await useLink(deps.db, token, { comment: null, notify: deps.config.mail !== null, channel: 'webpush' });
      switch (result.kind) {
        case 'decided': {
          countDecisions(deps.metrics, result.decided.events);
          const a = result.decided.approval;
          const vote = result.decided.approval.status === 'approved' ? 'Approved.' : result.decided.approval.status === 'rejected' ? 'Rejected.' : 'Your vote is recorded.';
          const message = a.status === 'pending' ? `Your vote is recorded. The request still waits for others (${a.current_approvals} of ${a.required_approvals}).` : vote;
          req.log.info({ approval_id: a.id, status: a.status }, 'Web Push action decided');
          return res.status(200).json({ decided: true, approval_id: a.id, status: a.status, message });
        }
        case 'unusable':
          req.log.info({ state: result.state.kind }, 'Web Push action refused');
          return next(unusable(result.state));
        case 'not-allowed':
          return next(new ApiError('NOT_APPROVER', 'you are no longer an approver in this organization: nothing was decided'));
        case 'refused':
          // Overtaken meanwhile (decided elsewhere, already voted): say what happened rather than why the vote failed.
          if (result.state.kind !== 'open') return next(unusable(result.state));
          return next(result.error);
      }
    } catch (err) {
      next(err);
    }
  });
  return router;
}
