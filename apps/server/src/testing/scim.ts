/**
 * A SCIM client for tests: the org's SCIM token made through the admin route (as an admin would in
 * the dashboard), and supertest calls carrying it with SCIM's media type.
 */
import supertest from 'supertest';
import type { SeededOrg, TestServer } from './harness.ts';
import { signedIn } from './session.ts';

export const SCIM_JSON = 'application/scim+json';

export interface ScimClient {
  token: string;
  get(path: string): supertest.Test;
  post(path: string, body: unknown): supertest.Test;
  put(path: string, body: unknown): supertest.Test;
  patch(path: string, body: unknown): supertest.Test;
  delete(path: string): supertest.Test;
}

export function scimWith(server: TestServer, token: string): ScimClient {
  const agent = supertest(server.url);
  const auth = (t: supertest.Test) => t.set('Authorization', `Bearer ${token}`).set('Accept', SCIM_JSON);
  const send = (t: supertest.Test, body: unknown) => auth(t).set('Content-Type', SCIM_JSON).send(JSON.stringify(body));
  return {
    token,
    get: (p) => auth(agent.get(`/scim/v2${p}`)),
    post: (p, b) => send(agent.post(`/scim/v2${p}`), b),
    put: (p, b) => send(agent.put(`/scim/v2${p}`), b),
    patch: (p, b) => send(agent.patch(`/scim/v2${p}`), b),
    delete: (p) => auth(agent.delete(`/scim/v2${p}`)),
  };
}

/** The seeded org's SCIM token, created by its admin through `POST /api/v1/org/scim/token`. */
export async function scimClient(server: TestServer, seed: SeededOrg, defaultRole: 'viewer' | 'approver' = 'approver'): Promise<ScimClient> {
  const admin = await signedIn(server, seed);
  const res = await admin.http().post('/api/v1/org/scim/token').send({ default_role: defaultRole });
  if (res.status !== 201) throw new Error(`SCIM token: ${res.status} ${res.text}`);
  return scimWith(server, res.body.secret as string);
}

export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
