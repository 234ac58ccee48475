import type { Request, Response } from 'express';
import OAuth2Server from '@node-oauth/oauth2-server';
import { SCOPE_DESCRIPTIONS, SCOPES, type Scope } from '@greenlight/contract';
import type { AppDeps } from '../../context.ts';
import type { Database } from '../../storage/database.ts';
import { escapeHtml, hiddenInput, sendPage } from '../users/html.ts';
import { csrfMatches, csrfTokenFor, findSession, readCookie, SESSION_COOKIE, type SessionInfo } from '../users/sessions.ts';
import { blockedInOrg, findActiveClient, type OAuthClientRecord } from './clients.ts';
import { createOAuthServer } from './server.ts';
import { knownResources } from './resources.ts';

/** The parameters of an authorization request that survive validation, as the consent form carries them. */
export interface AuthorizationParams {
  client_id: string;
  redirect_uri: string;
  response_type: 'code';
  scope: Scope[];
  state: string | undefined;
  code_challenge: string | undefined;
  code_challenge_method: 'S256' | undefined;
  /** RFC 8707: the resource the tokens will be bound to; absent → the REST API. */
  resource: string | undefined;
}

type Parsed =
  | { kind: 'page'; status: number; message: string }
  | { kind: 'redirect'; redirectUri: string; state: string | undefined; error: string; description: string }
  | { kind: 'ok'; client: OAuthClientRecord; params: AuthorizationParams };

/** A base64url SHA-256: what `S256` produces (RFC 7636 §4.2). */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const MAX_STATE = 2048;

/**
 * The authorization request's guard clauses, in the order that decides where an error may go
 * (RFC 6749 §4.1.2.1): an unknown client or a redirect URI that is not exactly one registered
 * (RFC 9700 §2.1) gets an error page and never a redirect; anything after that redirects back
 * with `error`, the same `state` and `iss` (RFC 9207).
 */
export async function parseAuthorizationRequest(db: Database, input: Record<string, unknown>, resources: readonly string[]): Promise<Parsed> {
  const single = (name: string): string | undefined | null => {
    const v = input[name];
    if (v === undefined || v === '') return undefined;
    return typeof v === 'string' ? v : null;
  };
  const clientId = single('client_id');
  if (!clientId) return { kind: 'page', status: 400, message: 'The request names no application (client_id is missing or repeated).' };
  const client = await findActiveClient(db, clientId);
  if (!client) return { kind: 'page', status: 400, message: 'The application asking for access is unknown or has been removed.' };
  const redirectUri = single('redirect_uri');
  if (!redirectUri) return { kind: 'page', status: 400, message: 'The request has no redirect_uri (or several).' };
  if (!client.redirect_uris.includes(redirectUri)) {
    return { kind: 'page', status: 400, message: 'The redirect URI of this request is not registered for the application.' };
  }

  const stateRaw = single('state');
  const state = typeof stateRaw === 'string' && stateRaw.length <= MAX_STATE ? stateRaw : undefined;
  const fail = (error: string, description: string): Parsed => ({ kind: 'redirect', redirectUri, state, error, description });

  if (stateRaw === null || (typeof stateRaw === 'string' && stateRaw.length > MAX_STATE)) return fail('invalid_request', 'state is repeated or too long');
  const responseType = single('response_type');
  if (responseType === null) return fail('invalid_request', 'response_type is repeated');
  if (responseType !== 'code') return fail('unsupported_response_type', 'response_type must be code');

  const challenge = single('code_challenge');
  const method = single('code_challenge_method');
  if (challenge === null || method === null) return fail('invalid_request', 'PKCE parameters are repeated');
  if (challenge === undefined && method !== undefined) return fail('invalid_request', 'code_challenge_method without code_challenge');
  if (challenge !== undefined) {
    // RFC 9700 §2.1.1: only S256; a missing method would mean `plain` (RFC 7636 §4.3).
    if (method === undefined) return fail('invalid_request', 'code_challenge_method is required and must be S256');
    if (method !== 'S256') return fail('invalid_request', 'code_challenge_method must be S256');
    if (!S256_CHALLENGE.test(challenge)) return fail('invalid_request', 'code_challenge must be a base64url SHA-256 (43 characters)');
  }
  // A public client has no secret: PKCE is what keeps a stolen code useless (RFC 9700 §2.1.1).
  if (client.client_secret_hash === null && challenge === undefined) return fail('invalid_request', 'code_challenge is required for this application (PKCE with S256)');

  // RFC 8707 §2: one absolute URI without a fragment, naming a resource this server serves.
  const resource = single('resource');
  if (resource === null) return fail('invalid_target', 'resource is repeated: ask for one resource');
  if (resource !== undefined && !resources.includes(resource)) return fail('invalid_target', `unknown resource; this server serves ${resources.join(', ')}`);

  const scopeRaw = single('scope');
  if (scopeRaw === null) return fail('invalid_request', 'scope is repeated');
  let scope: Scope[] = client.scopes;
  if (scopeRaw !== undefined) {
    // Spaces per RFC 6749 §3.3; commas too, as some platforms join scopes with them.
    const asked = scopeRaw.split(/[ ,]+/).filter(Boolean);
    const unknown = asked.filter((s) => !(client.scopes as string[]).includes(s));
    if (unknown.length > 0) return fail('invalid_scope', `scope not allowed for this application: ${unknown.join(' ')}`);
    scope = SCOPES.filter((s) => asked.includes(s));
    if (scope.length === 0) scope = client.scopes;
  }
  return {
    kind: 'ok',
    client,
    params: {
      client_id: clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope,
      state,
      code_challenge: challenge,
      code_challenge_method: challenge ? 'S256' : undefined,
      resource,
    },
  };
}

/** Appends the response parameters to the registered URI, keeping any query it already has. */
function responseUri(redirectUri: string, values: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(values)) if (v !== undefined) url.searchParams.set(k, v);
  return url.toString();
}

const errorPage = (res: Response, status: number, message: string) =>
  sendPage(res, status, 'Cannot connect', `<p>${escapeHtml(message)}</p><p>Go back to the application and try connecting again.</p>`);

const REVOKED_HERE = 'an admin of your organization has revoked this application';

/**
 * The org a grant acts in: an admin-registered client's own; for a client that registered itself,
 * the org the person is signed in to (sessions belong to one org), so its tokens see that org only.
 */
const grantOrg = (client: OAuthClientRecord, session: SessionInfo): string => client.org_id ?? session.org.id;

async function memberRole(db: Database, orgId: string, userId: string): Promise<string | null> {
  const { rows } = await db.query<{ role: string }>('SELECT role FROM memberships WHERE org_id = $1 AND user_id = $2', [orgId, userId]);
  return rows[0]?.role ?? null;
}

function renderConsent(res: Response, client: OAuthClientRecord, p: AuthorizationParams, session: SessionInfo, csrf: string) {
  const fields = [
    hiddenInput('csrf', csrf),
    hiddenInput('client_id', p.client_id),
    hiddenInput('redirect_uri', p.redirect_uri),
    hiddenInput('response_type', p.response_type),
    hiddenInput('scope', p.scope.join(' ')),
    p.state !== undefined ? hiddenInput('state', p.state) : '',
    p.code_challenge ? hiddenInput('code_challenge', p.code_challenge) : '',
    p.code_challenge_method ? hiddenInput('code_challenge_method', p.code_challenge_method) : '',
    p.resource ? hiddenInput('resource', p.resource) : '',
  ].join('');
  // Anyone may register an application under any name: say so, and show exactly where the code goes.
  const unverified =
    client.registration === 'dynamic'
      ? `<p><strong>This application registered itself with Greenlight: its name is not verified.</strong> Allow it only if you
started connecting it yourself, just now. It will receive access at <code>${escapeHtml(p.redirect_uri)}</code>.</p>`
      : '';
  const scopes = p.scope.map((s) => `<li><strong>${escapeHtml(s)}</strong>: ${escapeHtml(SCOPE_DESCRIPTIONS[s])}</li>`).join('');
  sendPage(
    res,
    200,
    `Connect ${client.name}`,
    `<p><strong>${escapeHtml(client.name)}</strong> asks to act as <strong>${escapeHtml(session.user.email)}</strong> in Greenlight, with these permissions:</p>
<ul>${scopes}</ul>
${unverified}<p>You will be sent to <code>${escapeHtml(new URL(p.redirect_uri).origin)}</code>. You can revoke this connection at any time.</p>
<form method="post" action="/oauth/authorize">${fields}
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>`,
    { formTargets: [new URL(p.redirect_uri).origin] },
  );
}

/** `GET /oauth/authorize`: validate, send to sign-in when there is no session, then show the consent page. */
export async function authorizeGet(deps: AppDeps, req: Request, res: Response): Promise<void> {
  const iss = deps.config.publicUrl;
  const parsed = await parseAuthorizationRequest(deps.db, req.query as Record<string, unknown>, knownResources(iss));
  if (parsed.kind === 'page') return errorPage(res, parsed.status, parsed.message);
  if (parsed.kind === 'redirect') {
    res.redirect(302, responseUri(parsed.redirectUri, { error: parsed.error, error_description: parsed.description, state: parsed.state, iss }));
    return;
  }
  const token = readCookie(req, SESSION_COOKIE);
  const session = token ? await findSession(deps.db, token) : null;
  if (!token || !session) {
    res.redirect(302, `/sign-in?return_to=${encodeURIComponent(req.originalUrl)}`);
    return;
  }
  const { client, params } = parsed;
  if (!(await memberRole(deps.db, grantOrg(client, session), session.user.id))) {
    res.redirect(302, responseUri(params.redirect_uri, { error: 'access_denied', error_description: 'this account is not a member of the organization of this application', state: params.state, iss }));
    return;
  }
  if (client.registration === 'dynamic' && (await blockedInOrg(deps.db, session.org.id, client.id))) {
    res.redirect(302, responseUri(params.redirect_uri, { error: 'access_denied', error_description: REVOKED_HERE, state: params.state, iss }));
    return;
  }
  renderConsent(res, client, params, session, csrfTokenFor(token));
}

/**
 * `POST /oauth/authorize`: the consent decision. Re-validates everything (the form is user input),
 * checks the session's CSRF token, then answers 303 (RFC 9700 §4.11) to the client with a code, or
 * with `access_denied`. The library issues and stores the code.
 */
export async function authorizePost(deps: AppDeps, req: Request, res: Response): Promise<void> {
  const iss = deps.config.publicUrl;
  const body = (req.body ?? {}) as Record<string, unknown>;
  const parsed = await parseAuthorizationRequest(deps.db, body, knownResources(iss));
  if (parsed.kind === 'page') return errorPage(res, parsed.status, parsed.message);
  const token = readCookie(req, SESSION_COOKIE);
  const session = token ? await findSession(deps.db, token) : null;
  if (!token || !session) return errorPage(res, 401, 'Your session has ended. Sign in and connect again.');
  if (!csrfMatches(token, body.csrf)) return errorPage(res, 403, 'This consent form is not valid any more. Go back and connect again.');
  if (parsed.kind === 'redirect') {
    res.redirect(303, responseUri(parsed.redirectUri, { error: parsed.error, error_description: parsed.description, state: parsed.state, iss }));
    return;
  }
  const { client, params } = parsed;
  const deny = (description: string) =>
    res.redirect(303, responseUri(params.redirect_uri, { error: 'access_denied', error_description: description, state: params.state, iss }));
  if (body.decision !== 'allow') return deny('the user denied access');
  const orgId = grantOrg(client, session);
  if (!(await memberRole(deps.db, orgId, session.user.id))) return deny('this account is not a member of the organization of this application');
  if (client.registration === 'dynamic' && (await blockedInOrg(deps.db, orgId, client.id))) return deny(REVOKED_HERE);

  const request = new OAuth2Server.Request({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    query: {},
    body: {
      client_id: params.client_id,
      redirect_uri: params.redirect_uri,
      response_type: 'code',
      scope: params.scope.join(' '),
      ...(params.state !== undefined ? { state: params.state } : {}),
      ...(params.code_challenge ? { code_challenge: params.code_challenge, code_challenge_method: 'S256' } : {}),
    },
  });
  const user = { id: session.user.id, orgId };
  try {
    const code = await createOAuthServer(deps.db, { authorizedResource: params.resource ?? null }).authorize(request, new OAuth2Server.Response({}), {
      authenticateHandler: { handle: () => user },
    });
    res.redirect(303, responseUri(params.redirect_uri, { code: code.authorizationCode, state: params.state, iss }));
  } catch (err) {
    if (!(err instanceof OAuth2Server.OAuthError) || err.name === 'server_error') req.log.error({ err }, 'authorization failed');
    const name = err instanceof OAuth2Server.OAuthError && err.name !== 'server_error' ? err.name : 'server_error';
    res.redirect(303, responseUri(params.redirect_uri, { error: name, error_description: 'the authorization could not be completed', state: params.state, iss }));
  }
}
