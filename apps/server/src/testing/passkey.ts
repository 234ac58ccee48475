/**
 * A software authenticator for the server's passkey tests: one ES256 key from node:crypto, CBOR by
 * cbor-x, producing real attestation and assertion responses (what @simplewebauthn/browser sends).
 */
import { createHash, createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import { Encoder } from 'cbor-x';
import type { SignedIn } from './session.ts';

// Canonical-enough CBOR for WebAuthn: definite, shortest lengths, plain byte strings, no record extension.
const cbor = new Encoder({ useRecords: false, variableMapSize: true, tagUint8Array: false, mapsAsObjects: false });
const encode = (v: unknown) => cbor.encode(v);
const b64url = (b: Uint8Array) => Buffer.from(b).toString('base64url');

/** A software authenticator: one ES256 key, "none" attestation, user present and verified. */
export function softAuthenticator(origin: string, rpID: string) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const credId = randomBytes(16);
  let counter = 0;
  const rpHash = createHash('sha256').update(rpID).digest();
  const authData = (attested: boolean) => {
    const flags = Buffer.from([0x01 | 0x04 | (attested ? 0x40 : 0)]);
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    if (!attested) return Buffer.concat([rpHash, flags, count]);
    const cose = encode(new Map<number, unknown>([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(jwk.x!, 'base64url')], [-3, Buffer.from(jwk.y!, 'base64url')]]));
    const len = Buffer.alloc(2);
    len.writeUInt16BE(credId.length);
    return Buffer.concat([rpHash, flags, count, Buffer.alloc(16), len, credId, cose]);
  };
  const clientData = (type: string, challenge: string, o = origin) => Buffer.from(JSON.stringify({ type, challenge, origin: o }));
  return {
    id: b64url(credId),
    register(challenge: string, o?: string) {
      const attestationObject = encode({ fmt: 'none', attStmt: {}, authData: authData(true) });
      return {
        id: b64url(credId), rawId: b64url(credId), type: 'public-key', clientExtensionResults: {},
        response: { clientDataJSON: b64url(clientData('webauthn.create', challenge, o)), attestationObject: b64url(attestationObject), transports: ['internal'] },
      };
    },
    assert(challenge: string, opts: { origin?: string; counter?: number } = {}) {
      counter = opts.counter ?? counter + 1;
      const ad = authData(false);
      const cd = clientData('webauthn.get', challenge, opts.origin);
      const sig = createSign('sha256').update(Buffer.concat([ad, createHash('sha256').update(cd).digest()])).sign(privateKey);
      return {
        id: b64url(credId), rawId: b64url(credId), type: 'public-key', clientExtensionResults: {},
        response: { clientDataJSON: b64url(cd), authenticatorData: b64url(ad), signature: b64url(sig) },
      };
    },
  };
}

/** Registers a new software passkey for `me` and steps their session up with it; returns the authenticator. */
export async function registerAndStepUp(me: SignedIn, rp: { origin: string; rpID: string }) {
  const auth = softAuthenticator(rp.origin, rp.rpID);
  const reg = await me.http().post('/api/v1/me/passkeys/registration').expect(200);
  await me.http().post('/api/v1/me/passkeys').send({ name: 'laptop', response: auth.register(reg.body.options.challenge) }).expect(201);
  await stepUp(me, auth);
  return auth;
}

/** Steps `me`'s session up with an authenticator already registered. */
export async function stepUp(me: SignedIn, auth: ReturnType<typeof softAuthenticator>): Promise<void> {
  const begin = await me.http().post('/api/v1/me/step-up').expect(200);
  await me.http().post('/api/v1/me/step-up/assertion').send({ response: auth.assert(begin.body.options.challenge) }).expect(200);
}
