import type { Database } from '../storage/database.ts';
import type { Credentials } from '../http/auth.ts';
import { authenticateSession } from './users/session-auth.ts';
import { authenticateAccessToken } from './oauth/access-token.ts';
import { ACCESS_TOKEN_PATTERN } from './oauth/settings.ts';
import { authenticateApiKey } from './connections/connections.ts';
import { INTERNAL_CALL_PATTERN, type InternalCalls } from './mcp/internal-calls.ts';

/**
 * Each kind of credential, resolved by the feature that issues it (see http/auth.ts). The `/mcp`
 * endpoint's in-process credentials (mcp/internal-calls.ts) are Bearer tokens of their own format.
 */
export const credentials = (db: Database, mcpCalls?: InternalCalls): Credentials => ({
  session: (req) => authenticateSession(db, req),
  accessToken: {
    pattern: mcpCalls ? new RegExp(`${ACCESS_TOKEN_PATTERN.source}|${INTERNAL_CALL_PATTERN.source}`) : ACCESS_TOKEN_PATTERN,
    resolve: (token) => (mcpCalls && INTERNAL_CALL_PATTERN.test(token) ? mcpCalls.resolve(token) : authenticateAccessToken(db, token)),
  },
  apiKey: (keyHash) => authenticateApiKey(db, keyHash),
});
