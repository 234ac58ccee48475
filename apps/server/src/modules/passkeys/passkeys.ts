/**
 * Passkeys as a person's second factor: registering them, and "stepping up" a session with a fresh
 * assertion. The WebAuthn checks (challenge, origin, relying-party id, signature, counter) are
 * @simplewebauthn/server's; this module keeps the challenges server-side, single-use and short-lived,
 * and is the only writer of `passkeys`, `passkey_challenges` and `sessions.stepped_up_until`.
 */
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Passkey } from '@greenlight/contract';
import type { Config } from '../../config.ts';
import type { Database, Queryable } from '../../storage/database.ts';
import { ApiError, notFound } from '../../errors.ts';

export const CHALLENGE_TTL_SECONDS = 300;
export const STEP_UP_SECONDS = 300;

type Purpose = 'register' | 'step_up';

/** The relying party is this server: its id is the public URL's host name, the origin the URL's own. */
export function relyingParty(config: Pick<Config, 'publicUrl'>) {
  const url = new URL(config.publicUrl);
  return { rpID: url.hostname, origin: url.origin, rpName: 'Greenlight' };
}

interface PasskeyRow {
  id: string;
  credential_id: string;
  public_key: Uint8Array;
  counter: string | number;
  transports: string[];
  name: string;
  created_at: Date;
  last_used_at: Date | null;
}

const view = (r: PasskeyRow): Passkey => ({
  id: r.id,
  name: r.name,
  credential_id: r.credential_id,
  transports: r.transports,
  created_at: r.created_at.toISOString(),
  last_used_at: r.last_used_at ? r.last_used_at.toISOString() : null,
});

async function passkeysOf(db: Queryable, userId: string): Promise<PasskeyRow[]> {
  const { rows } = await db.query<PasskeyRow>('SELECT * FROM passkeys WHERE user_id = $1 ORDER BY created_at, id', [userId]);
  return rows;
}

export const listPasskeysOf = async (db: Queryable, userId: string) => (await passkeysOf(db, userId)).map(view);

async function storeChallenge(db: Queryable, session: string, purpose: Purpose, challenge: string) {
  await db.query(
    `INSERT INTO passkey_challenges (session_token_hash, purpose, challenge, expires_at)
     VALUES ($1, $2, $3, now() + make_interval(secs => $4))
     ON CONFLICT (session_token_hash, purpose) DO UPDATE SET challenge = EXCLUDED.challenge, expires_at = EXCLUDED.expires_at`,
    [session, purpose, challenge, CHALLENGE_TTL_SECONDS],
  );
}

/** Takes the session's live challenge for `purpose` away (it works once, whatever the outcome). */
async function takeChallenge(db: Queryable, session: string, purpose: Purpose): Promise<string> {
  const { rows } = await db.query<{ challenge: string; live: boolean }>(
    'DELETE FROM passkey_challenges WHERE session_token_hash = $1 AND purpose = $2 RETURNING challenge, expires_at > now() AS live',
    [session, purpose],
  );
  const row = rows[0];
  if (!row?.live) throw new ApiError('VALIDATION_ERROR', 'no passkey challenge is waiting in this session (or it expired): start again');
  return row.challenge;
}

const refused = () => new ApiError('VALIDATION_ERROR', 'the passkey response did not verify');

export async function beginRegistration(db: Database, config: Config, user: { id: string; email: string }, session: string) {
  const rp = relyingParty(config);
  const existing = await passkeysOf(db, user.id);
  const options = await generateRegistrationOptions({
    rpName: rp.rpName,
    rpID: rp.rpID,
    userName: user.email,
    userID: new TextEncoder().encode(user.id),
    attestationType: 'none',
    excludeCredentials: existing.map((p) => ({ id: p.credential_id, transports: p.transports as AuthenticatorTransport[] })),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
  });
  await storeChallenge(db, session, 'register', options.challenge);
  return options as unknown as Record<string, unknown>;
}

export async function finishRegistration(db: Database, config: Config, userId: string, session: string, name: string, response: Record<string, unknown>): Promise<Passkey> {
  const rp = relyingParty(config);
  // The challenge is consumed in its own statement so a failed verification cannot be retried with it.
  const challenge = await takeChallenge(db, session, 'register');
  let verified;
  try {
    verified = await verifyRegistrationResponse({
      response: response as unknown as RegistrationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.rpID,
      requireUserVerification: true,
    });
  } catch {
    throw refused();
  }
  if (!verified.verified || !verified.registrationInfo) throw refused();
  const { credential } = verified.registrationInfo;
  const { rows } = await db.query<PasskeyRow>(
    `INSERT INTO passkeys (user_id, credential_id, public_key, counter, transports, name)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (credential_id) DO NOTHING RETURNING *`,
    [userId, credential.id, Buffer.from(credential.publicKey), credential.counter, credential.transports ?? [], name],
  );
  if (!rows[0]) throw new ApiError('IN_USE', 'this passkey is already registered');
  return view(rows[0]);
}

export async function deletePasskeyOf(db: Queryable, userId: string, id: string) {
  const { rowCount } = await db.query('DELETE FROM passkeys WHERE id = $1 AND user_id = $2', [id, userId]);
  if (!rowCount) throw notFound('passkey');
  return listPasskeysOf(db, userId);
}

export async function beginStepUp(db: Database, config: Config, userId: string, session: string) {
  const rp = relyingParty(config);
  const mine = await passkeysOf(db, userId);
  if (mine.length === 0) throw new ApiError('VALIDATION_ERROR', 'you have no passkey: register one on your account page first');
  const options = await generateAuthenticationOptions({
    rpID: rp.rpID,
    userVerification: 'required',
    allowCredentials: mine.map((p) => ({ id: p.credential_id, transports: p.transports as AuthenticatorTransport[] })),
  });
  await storeChallenge(db, session, 'step_up', options.challenge);
  return options as unknown as Record<string, unknown>;
}

export async function finishStepUp(db: Database, config: Config, userId: string, session: string, response: Record<string, unknown>) {
  const rp = relyingParty(config);
  const challenge = await takeChallenge(db, session, 'step_up');
  const credentialId = typeof response.id === 'string' ? response.id : '';
  return db.transaction(async (tx) => {
    // Only the caller's own passkeys count; the row is locked so two assertions cannot both pass one counter.
    const { rows } = await tx.query<PasskeyRow>('SELECT * FROM passkeys WHERE credential_id = $1 AND user_id = $2 FOR UPDATE', [credentialId, userId]);
    const passkey = rows[0];
    if (!passkey) throw refused();
    let verified;
    try {
      verified = await verifyAuthenticationResponse({
        response: response as unknown as AuthenticationResponseJSON,
        expectedChallenge: challenge,
        expectedOrigin: rp.origin,
        expectedRPID: rp.rpID,
        requireUserVerification: true,
        credential: {
          id: passkey.credential_id,
          publicKey: new Uint8Array(passkey.public_key),
          counter: Number(passkey.counter),
          transports: passkey.transports as AuthenticatorTransport[],
        },
      });
    } catch {
      throw refused();
    }
    if (!verified.verified) throw refused();
    await tx.query('UPDATE passkeys SET counter = $2, last_used_at = now() WHERE id = $1', [passkey.id, verified.authenticationInfo.newCounter]);
    const { rows: s } = await tx.query<{ stepped_up_until: Date }>(
      'UPDATE sessions SET stepped_up_until = now() + make_interval(secs => $2) WHERE token_hash = $1 RETURNING stepped_up_until',
      [session, STEP_UP_SECONDS],
    );
    return { stepped_up_until: s[0]!.stepped_up_until.toISOString() };
  });
}
