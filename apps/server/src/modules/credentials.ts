import type { Database } from '../storage/database.ts';
import type { Credentials } from '../http/auth.ts';
import { authenticateSession } from './users/session-auth.ts';
import { authenticateAccessToken } from './oauth/access-token.ts';
import { ACCESS_TOKEN_PATTERN } from './oauth/settings.ts';
import { authenticateApiKey } from './connections/connections.ts';

/** Each kind of credential, resolved by the feature that issues it (see http/auth.ts). */
export const credentials = (db: Database): Credentials => ({
  session: (req) => authenticateSession(db, req),
  accessToken: { pattern: ACCESS_TOKEN_PATTERN, resolve: (token) => authenticateAccessToken(db, token) },
  apiKey: (keyHash) => authenticateApiKey(db, keyHash),
});
