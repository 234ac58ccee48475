/** Lifetimes and limits of the authorization server, in seconds unless named otherwise. */
export const OAUTH_SETTINGS = {
  /** RFC 6749 §4.1.2 recommends at most 10 minutes. */
  codeTtl: 600,
  accessTokenTtl: 3600,
  /** Sliding: every rotation starts a new period, so a connection used at least this often never expires. */
  refreshTokenTtl: 180 * 86_400,
  /**
   * A refresh token presented again within this many seconds of its rotation gets the same new pair
   * (two Zap runs refreshing at once); after it, the replay revokes the whole grant (RFC 9700 §4.14.2).
   */
  refreshGraceSeconds: 60,
  /** Requests per hour to the token and revocation endpoints (the rate-limit store's window). */
  tokenRequestsPerIp: 1000,
  tokenRequestsPerClient: 20_000,
  /** Dynamic client registrations (RFC 7591) per client address and hour: a person connects a few clients, not hundreds. */
  registrationsPerIp: 20,
  /**
   * Requests per hour of each grant of a self-registered client (an agent): a request and a
   * ten-minute wait cost about a dozen; no admin chose a limit for it, as one does for theirs.
   */
  dynamicClientRateLimit: 1000,
  /**
   * A client that registered itself and that no member has authorized within this time (a day) is
   * expired: refused from then on, and deleted by the purge job (purge-unauthorized-clients.ts). An
   * MCP client registers right before it asks for access, so a day is ample; open registration
   * leaves nothing behind for longer. One that was authorized is kept (its grants are its own).
   */
  unauthorizedClientTtl: 86_400,
  /** How often the purge job looks for expired ones. */
  unauthorizedClientPurgeEvery: 3600,
} as const;

export const ACCESS_TOKEN_PREFIX = 'glat_';
export const REFRESH_TOKEN_PREFIX = 'glrt_';
/** Prefix + base64url of 32 random bytes. */
export const ACCESS_TOKEN_PATTERN = /^glat_[A-Za-z0-9_-]{43}$/;
