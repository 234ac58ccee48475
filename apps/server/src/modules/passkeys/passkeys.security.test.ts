import { createHash, createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import { Encoder } from 'cbor-x';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { signedIn } from '../../testing/session.ts';
import { relyingParty } from './passkeys.ts';

// Canonical-enough CBOR for WebAuthn: definite, shortest lengths, plain byte strings, no record extension.
const cbor = new Encoder({ useRecords: false, variableMapSize: true, tagUint8Array: false, mapsAsObjects: false });
const encode = (v: unknown) => cbor.encode(v);
const b64url = (b: Uint8Array) => Buffer.from(b).toString('base64url');

/** A software authenticator: one ES256 key, "none" attestation, user present and verified. */
function softAuthenticator(origin: string, rpID: string) {
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

const PUBLIC_URL = 'https://greenlight.test';
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ config: { GREENLIGHT_PUBLIC_URL: PUBLIC_URL } });
});
afterAll(() => server.stop());

describe('passkeys', () => {
  it('registers a passkey, steps the session up, and refuses replayed challenges, wrong origins and old counters', async () => {
    const seed = await seedOrg(server.db);
    const me = await signedIn(server, seed, 'approver');
    const rp = relyingParty({ publicUrl: PUBLIC_URL });
    const auth = softAuthenticator(rp.origin, rp.rpID);

    await me.http().post('/api/v1/me/step-up').expect(400);

    const reg = await me.http().post('/api/v1/me/passkeys/registration').expect(200);
    const created = await me.http().post('/api/v1/me/passkeys').send({ name: 'laptop', response: auth.register(reg.body.options.challenge) }).expect(201);
    expect(created.body).toMatchObject({ name: 'laptop', credential_id: auth.id, transports: ['internal'], last_used_at: null });
    // The challenge was consumed.
    await me.http().post('/api/v1/me/passkeys').send({ name: 'again', response: auth.register(reg.body.options.challenge) }).expect(400);

    const begin = await me.http().post('/api/v1/me/step-up').expect(200);
    const ok = await me.http().post('/api/v1/me/step-up/assertion').send({ response: auth.assert(begin.body.options.challenge) }).expect(200);
    expect(new Date(ok.body.stepped_up_until).getTime()).toBeGreaterThan(Date.now());
    await me.http().post('/api/v1/me/step-up/assertion').send({ response: auth.assert(begin.body.options.challenge) }).expect(400);

    const wrongOrigin = await me.http().post('/api/v1/me/step-up').expect(200);
    await me.http().post('/api/v1/me/step-up/assertion').send({ response: auth.assert(wrongOrigin.body.options.challenge, { origin: 'https://evil.example' }) }).expect(400);

    const stale = await me.http().post('/api/v1/me/step-up').expect(200);
    await me.http().post('/api/v1/me/step-up/assertion').send({ response: auth.assert(stale.body.options.challenge, { counter: 1 }) }).expect(400);

    // An expired challenge is refused.
    const late = await me.http().post('/api/v1/me/step-up').expect(200);
    await server.db.query("UPDATE passkey_challenges SET expires_at = now() - interval '1 second' WHERE challenge = $1", [late.body.options.challenge]);
    await me.http().post('/api/v1/me/step-up/assertion').send({ response: auth.assert(late.body.options.challenge) }).expect(400);

    // Another person cannot use this credential.
    const other = await signedIn(server, seed, 'approver');
    const theirs = softAuthenticator(rp.origin, rp.rpID);
    const r2 = await other.http().post('/api/v1/me/passkeys/registration').expect(200);
    await other.http().post('/api/v1/me/passkeys').send({ name: 'phone', response: theirs.register(r2.body.options.challenge) }).expect(201);
    const b2 = await other.http().post('/api/v1/me/step-up').expect(200);
    await other.http().post('/api/v1/me/step-up/assertion').send({ response: auth.assert(b2.body.options.challenge) }).expect(400);

    const list = await me.http().get('/api/v1/me/passkeys').expect(200);
    expect(list.body.data).toHaveLength(1);
    expect(list.body.data[0].last_used_at).not.toBeNull();
    await other.http().delete(`/api/v1/me/passkeys/${list.body.data[0].id}`).expect(404);
    await me.http().delete(`/api/v1/me/passkeys/${list.body.data[0].id}`).expect(200, { data: [] });
    // API keys cannot use these routes.
    await server.http(seed.key).get('/api/v1/me/passkeys').expect(403);
  });
});
