import { hkdfSync, randomBytes } from 'node:crypto';
import OAuth2Server from '@node-oauth/oauth2-server';
import { SCOPES, type RateLimitWindow, type Scope } from '@greenlight/contract';
import type { Database, Queryable } from '../../storage/database.ts';
import { sha256Hex } from '../../security/tokens.ts';
import { blockedInOrg, findActiveClient, secretMatches } from './clients.ts';
import { ACCESS_TOKEN_PREFIX, OAUTH_SETTINGS, REFRESH_TOKEN_PREFIX } from './settings.ts';
import { announceAuthChange } from '../../http/api-key-cache.ts';
import { openWith, sealWith } from '../../security/sealed.ts';
import { recordAudit } from '../../core/audit.ts';

const { InvalidGrantError, OAuthError } = OAuth2Server;

/** RFC 8707 §2: the resource asked for is not the one this grant is for. */
const invalidTarget = (message: string) => new OAuthError(message, { code: 400, name: 'invalid_target' });

/** What the library does not pass to the model: the resource (RFC 8707) of the request. */
export interface OAuthRequestContext {
  /** Authorization endpoint: the resource the person consented to (null: the REST API). */
  authorizedResource?: string | null;
  /** Token endpoint: the `resource` parameter, when sent. */
  requestedResource?: string | null;
}

/** The shapes @node-oauth/oauth2-server passes around; `id` is our uuid, `clientId` the public one. */
export interface ModelClient {
  id: string;
  clientId: string;
  name: string;
  /** Null for a client that registered itself: the grant's org is the consenting person's. */
  orgId: string | null;
  registration: 'admin' | 'dynamic';
  grants: string[];
  redirectUris: string[];
  scopes: Scope[];
  rateLimit: number;
  rateLimitWindow: RateLimitWindow;
}
export interface ModelUser {
  id: string;
  orgId: string;
}

const opaque = (prefix = '') => `${prefix}${randomBytes(32).toString('base64url')}`;

/** Revokes a grant: its connection and every token of its family, at once. */
export async function revokeGrant(tx: Queryable, connectionId: string): Promise<void> {
  await tx.query('UPDATE connections SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1', [connectionId]);
  await tx.query('UPDATE oauth_tokens SET revoked_at = COALESCE(revoked_at, now()) WHERE connection_id = $1', [connectionId]);
  announceAuthChange(tx, { connectionId });
}

/**
 * A second redemption of a code (RFC 6749 §4.1.2): the tokens issued from it are revoked. The flag
 * also reaches a first redemption still in flight: it checks it under the code's row lock.
 */
async function onCodeReuse(db: Database, codeHash: string): Promise<void> {
  await db.transaction(async (tx) => {
    const { rows } = await tx.query<{ connection_id: string | null }>(
      `UPDATE oauth_codes SET reuse_detected_at = COALESCE(reuse_detected_at, now()) WHERE code_hash = $1 RETURNING connection_id`,
      [codeHash],
    );
    const connectionId = rows[0]?.connection_id;
    if (connectionId) await revokeGrant(tx, connectionId);
  });
}

interface IssuedPair {
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
  refreshTokenExpiresAt: string;
  scope: Scope[];
}

/**
 * The successor pair of a rotated refresh token is kept encrypted under a key derived from the old
 * refresh token itself, which is not stored: only its holder can read the pair back, so the
 * database at rest still holds no usable token.
 */
const successorKey = (oldRefreshToken: string) => Buffer.from(hkdfSync('sha256', oldRefreshToken, '', 'greenlight refresh successor', 32));

function sealSuccessor(oldRefreshToken: string, pair: IssuedPair): string {
  return sealWith(successorKey(oldRefreshToken), JSON.stringify(pair));
}

function openSuccessor(oldRefreshToken: string, sealed: string): IssuedPair {
  return JSON.parse(openWith(successorKey(oldRefreshToken), sealed)) as IssuedPair;
}

async function insertPair(
  tx: Queryable,
  connectionId: string,
  clientId: string,
  token: OAuth2Server.Token,
  scopes: Scope[],
  revoked: boolean,
  resource: string | null,
): Promise<void> {
  const insert = `INSERT INTO oauth_tokens (token_hash, kind, connection_id, client_id, scopes, expires_at, revoked_at, resource)
                  VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $7::boolean THEN now() END, $8)`;
  await tx.query(insert, [sha256Hex(token.accessToken), 'access', connectionId, clientId, scopes, token.accessTokenExpiresAt, revoked, resource]);
  await tx.query(insert, [sha256Hex(token.refreshToken!), 'refresh', connectionId, clientId, scopes, token.refreshTokenExpiresAt, revoked, resource]);
}

const toScopes = (scope: string[] | undefined): Scope[] => SCOPES.filter((s) => (scope ?? []).includes(s));

/**
 * The storage model of @node-oauth/oauth2-server, built per request so that the refresh grant's
 * `saveToken` knows which refresh token is being rotated (the library does not pass it on).
 * Tokens and codes are 256 random bits; only their SHA-256 is stored (RFC 6749 §10.10).
 */
export function createOAuthModel(db: Database, context: OAuthRequestContext = {}) {
  let presentedRefreshToken: string | undefined;

  /** RFC 8707 §2.2: a `resource` on the token request must be the one the grant was made for. */
  const checkRequestedResource = (granted: string | null) => {
    const asked = context.requestedResource ?? null;
    if (asked !== null && asked !== granted) {
      throw invalidTarget(granted === null ? 'this grant is for the REST API: send no resource' : `this grant is for the resource ${granted}`);
    }
  };

  return {
    generateAccessToken: async () => opaque(ACCESS_TOKEN_PREFIX),
    generateRefreshToken: async () => opaque(REFRESH_TOKEN_PREFIX),
    generateAuthorizationCode: async () => opaque(),

    /**
     * `clientSecret === null` is the authorization endpoint asking. At the token endpoint a
     * confidential client must present its secret, and a public client must present none.
     */
    async getClient(clientId: string, clientSecret: string | null | undefined): Promise<ModelClient | false> {
      const row = await findActiveClient(db, clientId);
      if (!row) return false;
      if (clientSecret !== null) {
        const isPublic = row.client_secret_hash === null;
        const ok = isPublic ? clientSecret === undefined : typeof clientSecret === 'string' && secretMatches(row, clientSecret);
        if (!ok) return false;
      }
      return {
        id: row.id,
        clientId: row.client_id,
        name: row.name,
        orgId: row.org_id,
        registration: row.registration,
        grants: ['authorization_code', 'refresh_token'],
        redirectUris: row.redirect_uris,
        scopes: row.scopes,
        rateLimit: row.rate_limit,
        rateLimitWindow: row.rate_limit_window,
      };
    },

    /** No scope asked → everything the client may ask for; any scope outside that → invalid_scope. */
    async validateScope(_user: ModelUser, client: ModelClient, scope?: string[]): Promise<Scope[] | false> {
      if (!scope || scope.length === 0) return client.scopes;
      if (!scope.every((s) => (client.scopes as string[]).includes(s))) return false;
      return toScopes(scope);
    },

    async validateRedirectUri(redirectUri: string, client: ModelClient): Promise<boolean> {
      return client.redirectUris.includes(redirectUri);
    },

    async saveAuthorizationCode(
      code: Pick<OAuth2Server.AuthorizationCode, 'authorizationCode' | 'expiresAt' | 'redirectUri' | 'scope' | 'codeChallenge' | 'codeChallengeMethod'>,
      client: ModelClient,
      user: ModelUser,
    ): Promise<OAuth2Server.AuthorizationCode> {
      await db.query(
        `INSERT INTO oauth_codes (code_hash, client_id, org_id, user_id, redirect_uri, scopes, code_challenge, code_challenge_method, expires_at, resource)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now() + make_interval(secs => $9), $10)`,
        [
          sha256Hex(code.authorizationCode),
          client.id,
          // The consenting member's org: the client's own, or theirs for a client that registered itself.
          user.orgId,
          user.id,
          code.redirectUri,
          toScopes(code.scope),
          code.codeChallenge ?? null,
          code.codeChallenge ? (code.codeChallengeMethod ?? null) : null,
          OAUTH_SETTINGS.codeTtl,
          context.authorizedResource ?? null,
        ],
      );
      return { ...code, client, user };
    },

    async getAuthorizationCode(code: string): Promise<OAuth2Server.AuthorizationCode | false> {
      const codeHash = sha256Hex(code);
      const { rows } = await db.query<{
        client_id: string;
        org_id: string;
        user_id: string;
        redirect_uri: string;
        scopes: Scope[];
        code_challenge: string | null;
        code_challenge_method: string | null;
        expires_at: Date;
        used: boolean;
        resource: string | null;
      }>(
        `SELECT client_id, org_id, user_id, redirect_uri, scopes, code_challenge, code_challenge_method, expires_at, resource,
                used_at IS NOT NULL AS used
           FROM oauth_codes WHERE code_hash = $1`,
        [codeHash],
      );
      const row = rows[0];
      if (!row) return false;
      if (row.used) {
        await onCodeReuse(db, codeHash);
        throw new InvalidGrantError('Invalid grant: authorization code was already used; the tokens issued from it are revoked');
      }
      checkRequestedResource(row.resource);
      // A code issued just before an admin revoked the client in this org is worth nothing after.
      if (await blockedInOrg(db, row.org_id, row.client_id)) throw new InvalidGrantError('Invalid grant: this application has been revoked in the organization');
      return {
        authorizationCode: code,
        expiresAt: row.expires_at,
        redirectUri: row.redirect_uri,
        scope: row.scopes,
        client: { id: row.client_id, grants: [] },
        user: { id: row.user_id, orgId: row.org_id },
        ...(row.code_challenge ? { codeChallenge: row.code_challenge, codeChallengeMethod: row.code_challenge_method ?? 'S256' } : {}),
      };
    },

    /** The one atomic step that makes a code single-use: the loser of a race learns it here. */
    async revokeAuthorizationCode(code: OAuth2Server.AuthorizationCode): Promise<boolean> {
      const codeHash = sha256Hex(code.authorizationCode);
      const { rowCount } = await db.query(
        'UPDATE oauth_codes SET used_at = now() WHERE code_hash = $1 AND used_at IS NULL',
        [codeHash],
      );
      if (rowCount === 1) return true;
      await onCodeReuse(db, codeHash);
      return false;
    },

    async getRefreshToken(refreshToken: string): Promise<OAuth2Server.RefreshToken | false> {
      const { rows } = await db.query<{
        connection_id: string;
        client_id: string;
        scopes: Scope[];
        expires_at: Date;
        dead: boolean;
        replay_after_grace: boolean;
        user_id: string;
        org_id: string;
        resource: string | null;
      }>(
        `SELECT t.connection_id, t.client_id, t.scopes, t.expires_at, t.resource,
                (t.revoked_at IS NOT NULL OR c.revoked_at IS NOT NULL) AS dead,
                (t.rotated_at IS NOT NULL AND t.rotated_at <= now() - make_interval(secs => $2)) AS replay_after_grace,
                c.user_id, c.org_id
           FROM oauth_tokens t JOIN connections c ON c.id = t.connection_id
          WHERE t.token_hash = $1 AND t.kind = 'refresh'`,
        [sha256Hex(refreshToken), OAUTH_SETTINGS.refreshGraceSeconds],
      );
      const row = rows[0];
      if (!row || row.dead) return false;
      if (row.replay_after_grace) {
        await db.transaction((tx) => revokeGrant(tx, row.connection_id));
        throw new InvalidGrantError('Invalid grant: refresh token was already used; the connection is revoked');
      }
      checkRequestedResource(row.resource);
      presentedRefreshToken = refreshToken;
      return {
        refreshToken,
        refreshTokenExpiresAt: row.expires_at,
        scope: row.scopes,
        client: { id: row.client_id, grants: [] },
        user: { id: row.user_id, orgId: row.org_id },
      };
    },

    /**
     * Rotation happens in `saveToken`, under the old token's row lock, so that a concurrent refresh
     * can wait for it and answer with the same pair; here there is nothing left to do.
     */
    async revokeToken(): Promise<boolean> {
      return true;
    },

    async saveToken(token: OAuth2Server.Token, client: ModelClient, user: ModelUser): Promise<OAuth2Server.Token> {
      const scopes = toScopes(token.scope);
      if (typeof token.authorizationCode === 'string') {
        const codeHash = sha256Hex(token.authorizationCode);
        await db.transaction(async (tx) => {
          const { rows } = await tx.query<{ reused: boolean; scopes: Scope[]; resource: string | null }>(
            'SELECT reuse_detected_at IS NOT NULL AS reused, scopes, resource FROM oauth_codes WHERE code_hash = $1 FOR UPDATE',
            [codeHash],
          );
          const reused = rows[0]?.reused ?? true;
          const resource = rows[0]?.resource ?? null;
          const conn = await tx.query<{ id: string }>(
            `INSERT INTO connections (org_id, name, auth_type, scopes, rate_limit, rate_limit_window, user_id, revoked_at)
             VALUES ($1, $2, 'oauth', $3, $4, $5, $6, CASE WHEN $7::boolean THEN now() END) RETURNING id`,
            [user.orgId, client.name, scopes, client.rateLimit, client.rateLimitWindow, user.id, reused],
          );
          const connectionId = conn.rows[0]!.id;
          await tx.query('UPDATE oauth_codes SET connection_id = $2 WHERE code_hash = $1', [codeHash, connectionId]);
          await insertPair(tx, connectionId, client.id, token, scopes, reused, resource);
          if (client.registration === 'dynamic' && !reused) {
            // A client nobody in the org registered now acts in it: the org's admins see who let it in.
            await recordAudit(tx, {
              orgId: user.orgId,
              actor: { type: 'user', id: user.id },
              type: 'oauth_client.authorized',
              target: { type: 'oauth_client', id: client.id },
              details: { name: client.name, client_id: client.clientId, redirect_uris: client.redirectUris, scopes, resource, connection_id: connectionId },
            });
          }
        });
        return { ...token, scope: scopes, client, user };
      }

      const old = presentedRefreshToken;
      if (!old) throw new InvalidGrantError('Invalid grant: refresh token is invalid');
      const outcome = await db.transaction(async (tx) => {
        const { rows } = await tx.query<{
          connection_id: string;
          dead: boolean;
          rotated: boolean;
          in_grace: boolean;
          successor_ciphertext: string | null;
          resource: string | null;
        }>(
          `SELECT t.connection_id, t.resource, t.revoked_at IS NOT NULL AS dead, t.rotated_at IS NOT NULL AS rotated,
                  (t.rotated_at > now() - make_interval(secs => $2)) AS in_grace, t.successor_ciphertext
             FROM oauth_tokens t WHERE t.token_hash = $1 FOR UPDATE`,
          [sha256Hex(old), OAUTH_SETTINGS.refreshGraceSeconds],
        );
        const row = rows[0];
        if (!row || row.dead) return { kind: 'invalid' as const };
        if (!row.rotated) {
          await insertPair(tx, row.connection_id, client.id, token, scopes, false, row.resource);
          const sealed = sealSuccessor(old, {
            accessToken: token.accessToken,
            accessTokenExpiresAt: token.accessTokenExpiresAt!.toISOString(),
            refreshToken: token.refreshToken!,
            refreshTokenExpiresAt: token.refreshTokenExpiresAt!.toISOString(),
            scope: scopes,
          });
          await tx.query('UPDATE oauth_tokens SET rotated_at = now(), successor_ciphertext = $2 WHERE token_hash = $1', [sha256Hex(old), sealed]);
          return { kind: 'rotated' as const };
        }
        if (row.in_grace && row.successor_ciphertext) return { kind: 'same' as const, pair: openSuccessor(old, row.successor_ciphertext) };
        return { kind: 'replay' as const, connectionId: row.connection_id };
      });
      switch (outcome.kind) {
        case 'rotated':
          return { ...token, scope: scopes, client, user };
        case 'same':
          return {
            accessToken: outcome.pair.accessToken,
            accessTokenExpiresAt: new Date(outcome.pair.accessTokenExpiresAt),
            refreshToken: outcome.pair.refreshToken,
            refreshTokenExpiresAt: new Date(outcome.pair.refreshTokenExpiresAt),
            scope: outcome.pair.scope,
            client,
            user,
          };
        case 'replay':
          await db.transaction((tx) => revokeGrant(tx, outcome.connectionId));
          throw new InvalidGrantError('Invalid grant: refresh token was already used; the connection is revoked');
        case 'invalid':
          throw new InvalidGrantError('Invalid grant: refresh token is invalid');
      }
    },

    /** Not used: API requests resolve access tokens in http/auth.ts, with the connection and the member's role. */
    async getAccessToken(): Promise<false> {
      return false;
    },
  };
}
