/**
 * The CSRF value of a decision link's confirmation page (SECURITY.md 41): a signed double-submit
 * cookie, as OWASP's CSRF cheat sheet describes it for pages without a session.
 *
 * The page's GET sets (or keeps) a browser nonce, 256 random bits, in an HttpOnly, SameSite=Lax
 * cookie, `__Host-` prefixed when Greenlight is served over HTTPS (so no sibling host can plant it).
 * Each render puts `<issued-at>.<HMAC-SHA256 keyed by the nonce over the link's token and issued-at>`
 * in the form, and the POST decides only when that value matches the cookie it comes with, compared
 * in constant time, and the render is at most `FORM_MAX_AGE_MS` old. So a POST decides only from a
 * page Greenlight rendered for this link, in the browser that sends it, within the hour: a form
 * forged elsewhere lacks the cookie (a cross-site POST does not carry a Lax cookie) or the value.
 *
 * Why this and not a MAC under a server key bound to the token and render time alone: that value
 * would be valid in any browser, so a page that merely learned the value could post it; the cookie
 * ties it to the browser that rendered the page. Keying the MAC by the nonce (not a server secret)
 * keeps it stateless and valid across replicas and secret-key rotations. The nonce is reused while
 * the cookie lives, so confirmation pages open in several tabs all keep working; the value still
 * differs per render and per link.
 *
 * What it does not cover: the link's token is what authorizes the decision (decision-links.ts), and
 * whoever holds the email can render the page; a scanner that keeps cookies, parses the page and
 * submits its form would decide like a person (none is known to; GET and HEAD alone never decide).
 * A browser refusing all cookies cannot confirm, and the page says so.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { readCookie } from '../users/sessions.ts';
import { constantTimeEqual } from '../../security/tokens.ts';

/** How long a rendered confirmation page can be submitted. */
export const FORM_MAX_AGE_MS = 3600_000;
/** Replicas' clocks may differ a little: a render this far "in the future" still counts. */
const CLOCK_SKEW_MS = 5 * 60_000;

const NONCE = /^[A-Za-z0-9_-]{43}$/;
const VALUE = /^(\d{1,15})\.([A-Za-z0-9_-]{43})$/;

/** `__Host-` cookies must be Secure, which browsers refuse over plain HTTP (a local start). */
export const confirmationCookieName = (secure: boolean): string => (secure ? '__Host-gl_decide' : 'gl_decide');

const mac = (nonce: string, token: string, issuedAt: number): string =>
  createHmac('sha256', nonce).update(`greenlight-decision-link:${token}:${issuedAt}`).digest('base64url');

/** The form's value for a render at `issuedAt` (ms) of the page of `token`, in the browser holding `nonce`. */
export const confirmationCsrfValue = (nonce: string, token: string, issuedAt: number): string => `${issuedAt}.${mac(nonce, token, issuedAt)}`;

/** The value for this render's form; sets the cookie (or renews the one the browser sent). */
export function issueConfirmationCsrf(req: Request, res: Response, token: string, secure: boolean, now = Date.now()): string {
  const name = confirmationCookieName(secure);
  const sent = readCookie(req, name);
  const nonce = sent && NONCE.test(sent) ? sent : randomBytes(32).toString('base64url');
  res.cookie(name, nonce, { httpOnly: true, secure, sameSite: 'lax', path: '/', maxAge: FORM_MAX_AGE_MS });
  return confirmationCsrfValue(nonce, token, now);
}

export type CsrfCheck = 'ok' | 'no_cookie' | 'stale' | 'mismatch';

/** Whether a POST's `presented` value belongs to a render of this link's page in this browser, recently. */
export function checkConfirmationCsrf(req: Request, token: string, presented: string | undefined, secure: boolean, now = Date.now()): CsrfCheck {
  const nonce = readCookie(req, confirmationCookieName(secure));
  if (!nonce || !NONCE.test(nonce)) return 'no_cookie';
  const parsed = VALUE.exec(presented ?? '');
  if (!parsed) return 'mismatch';
  const issuedAt = Number(parsed[1]);
  if (!constantTimeEqual(mac(nonce, token, issuedAt), parsed[2]!)) return 'mismatch';
  if (issuedAt > now + CLOCK_SKEW_MS || now - issuedAt > FORM_MAX_AGE_MS) return 'stale';
  return 'ok';
}
