import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../testing/harness.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(() => server.stop(), 60_000);

describe('the landing page', () => {
  // A cookie value that is not valid percent-encoding cannot name a session: the page answers as
  // for no cookie at all (the plain page, or with apps/web built, the redirect to the sign-in form).
  it.each(['%E0%A4%A', '%', '%zz'])('answers a malformed session cookie (%s) as it answers no cookie', async (value) => {
    const anonymous = await server.http().get('/');
    expect([200, 303]).toContain(anonymous.status);
    const res = await server.http().get('/').set('Cookie', `gl_session=${value}`);
    expect(res.status).toBe(anonymous.status);
    expect(res.headers.location).toBe(anonymous.headers.location);
    expect(res.type).toBe(anonymous.type);
  });
});
