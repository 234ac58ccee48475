/**
 * Whether an activity posted to a bot's messaging endpoint was sent by the Bot Framework for this bot,
 * as Microsoft's "Authenticate requests from the Bot Connector service" specifies, with the SDK's own
 * token validation (botframework-connector's JwtTokenExtractor: the OpenID metadata's keys, their
 * endorsements, RS256/384/512 only). Checked, in order:
 *
 * 1. an `Authorization: Bearer` header is present;
 * 2. the token's issuer is https://api.botframework.com;
 * 3. it is signed by a key the OpenID metadata (GREENLIGHT_MSTEAMS_OPENID_URL) lists, and that key is
 *    endorsed for the activity's channel (`msteams`);
 * 4. its audience is the bot's app id, and it is within its validity (5 minutes of clock skew);
 * 5. its `serviceurl` claim equals the activity's serviceUrl (so a valid token cannot send the bot's
 *    own Connector token to another address).
 *
 * The SDK's deprecated ChannelValidation does the same checks but reads its metadata URL from a
 * process-wide static; the extractor takes it per call, so each server uses its own configuration.
 * What it does not cover: a token is not bound to the activity it came with, so a captured request
 * replayed within the token's lifetime passes here; a card action is single-use for that reason.
 */
import type * as Extractor from 'botframework-connector/lib/auth/jwtTokenExtractor.js';
import { lazyModule } from '../../lazy-module.ts';

/** The Bot Framework's token checks, loaded by the first call from Teams (most servers never get one). */
const extractorModule = lazyModule<typeof Extractor>(import.meta.url, 'botframework-connector/lib/auth/jwtTokenExtractor.js');

export const BOT_FRAMEWORK_ISSUER = 'https://api.botframework.com';
const ALGORITHMS = ['RS256', 'RS384', 'RS512'] as const;
const CLOCK_SKEW_S = 5 * 60;

export type Verified = { ok: true; claims: Record<string, unknown> } | { ok: false; reason: string };

export async function verifyBotFrameworkRequest(input: {
  authorization: string | undefined;
  appId: string;
  channelId: string;
  serviceUrl: string;
  openIdUrl: string;
}): Promise<Verified> {
  const header = input.authorization ?? '';
  if (!/^Bearer [A-Za-z0-9_.-]+$/.test(header)) return { ok: false, reason: 'no Bearer token' };
  const extractor = new (extractorModule().JwtTokenExtractor)({ issuer: [BOT_FRAMEWORK_ISSUER], audience: input.appId, clockTolerance: CLOCK_SKEW_S, ignoreExpiration: false }, input.openIdUrl, [...ALGORITHMS]);
  let identity;
  try {
    identity = await extractor.getIdentityFromAuthHeader(header, input.channelId);
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
  if (!identity || !identity.isAuthenticated) return { ok: false, reason: 'token not issued by the Bot Framework' };
  const claims = Object.fromEntries(identity.claims.map((c) => [c.type, c.value])) as Record<string, unknown>;
  if (claims.iss !== BOT_FRAMEWORK_ISSUER) return { ok: false, reason: 'issuer' };
  if (claims.aud !== input.appId) return { ok: false, reason: 'audience' };
  if (typeof claims.serviceurl !== 'string' || claims.serviceurl !== input.serviceUrl) return { ok: false, reason: 'serviceUrl claim does not match the activity' };
  return { ok: true, claims };
}
