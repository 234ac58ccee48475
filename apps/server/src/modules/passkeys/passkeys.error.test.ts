import { afterAll, beforeAll, describe, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { signedIn } from '../../testing/session.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('passkeys: bad input', () => {
  it('answers 400 in the error envelope, never a 500', async () => {
    const seed = await seedOrg(server.db);
    const me = await signedIn(server, seed, 'viewer');
    // No challenge waiting in this session.
    await me.http().post('/api/v1/me/passkeys').send({ name: 'laptop', response: { id: 'AAAA' } }).expect(400);
    await me.http().post('/api/v1/me/step-up/assertion').send({ response: { id: 'AAAA' } }).expect(400);
    // A challenge waiting, and a response that is not WebAuthn at all.
    await me.http().post('/api/v1/me/passkeys/registration').expect(200);
    await me.http().post('/api/v1/me/passkeys').send({ name: 'laptop', response: { id: 42, response: 'nope' } }).expect(400);
    // The contract's bounds.
    await me.http().post('/api/v1/me/passkeys').send({ response: {} }).expect(400);
    await me.http().post('/api/v1/me/passkeys').send({ name: 'x'.repeat(101), response: {} }).expect(400);
    await me.http().post('/api/v1/me/step-up/assertion').send({ response: 'text' }).expect(400);
    // An id that is not a uuid names no passkey.
    await me.http().delete('/api/v1/me/passkeys/not-a-uuid').expect(404);
  });
});
