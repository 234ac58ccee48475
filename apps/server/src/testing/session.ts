/**
 * A person signed in to the dashboard, for API tests: a real session row and cookie, and the
 * session's CSRF token (what the dashboard sends in X-CSRF-Token). The sign-in form itself is
 * driven by Browser in testing/oauth.ts.
 */
import supertest from 'supertest';
import type { SeededOrg, TestServer } from './harness.ts';
import { createSession, csrfTokenFor, SESSION_COOKIE } from '../modules/users/sessions.ts';

export interface SignedIn {
  user: { id: string; email: string };
  cookie: string;
  csrf: string;
  /** supertest with the session cookie; mutations carry the CSRF token unless `csrf: false`. */
  http(options?: { csrf?: boolean }): {
    get(path: string): supertest.Test;
    post(path: string): supertest.Test;
    put(path: string): supertest.Test;
    patch(path: string): supertest.Test;
    delete(path: string): supertest.Test;
  };
}

export function sessionFor(server: TestServer, user: { id: string; email: string }, token: string): SignedIn {
  const cookie = `${SESSION_COOKIE}=${encodeURIComponent(token)}`;
  const csrf = csrfTokenFor(token);
  return {
    user,
    cookie,
    csrf,
    http(options = {}) {
      const agent = supertest(server.url);
      const withCookie = (t: supertest.Test) => t.set('Cookie', cookie);
      const mutation = (t: supertest.Test) => (options.csrf === false ? withCookie(t) : withCookie(t).set('X-CSRF-Token', csrf));
      return {
        get: (p) => withCookie(agent.get(p)),
        post: (p) => mutation(agent.post(p)),
        put: (p) => mutation(agent.put(p)),
        patch: (p) => mutation(agent.patch(p)),
        delete: (p) => mutation(agent.delete(p)),
      };
    },
  };
}

/** A new session of `user`, a member of the seeded org. */
export async function sessionOf(server: TestServer, seed: SeededOrg, user: { id: string; email: string }): Promise<SignedIn> {
  return sessionFor(server, user, await createSession(server.db, user.id, seed.org.id));
}

/** A session for the seeded admin, or for a new member with the given role. */
export async function signedIn(server: TestServer, seed: SeededOrg, role: 'admin' | 'approver' | 'viewer' | 'seeded-admin' = 'seeded-admin'): Promise<SignedIn> {
  return sessionOf(server, seed, role === 'seeded-admin' ? seed.admin : await seed.addUser(role));
}
