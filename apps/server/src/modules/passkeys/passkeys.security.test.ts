import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { signedIn } from '../../testing/session.ts';
import { relyingParty } from './passkeys.ts';
import { softAuthenticator } from '../../testing/passkey.ts';

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
