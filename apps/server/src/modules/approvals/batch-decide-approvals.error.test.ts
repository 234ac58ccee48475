import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { createRequest, snapshot, userAuth } from '../../testing/decisions.ts';
import { setEmergencyStop } from '../orgs/create-org.ts';
import type { Database } from '../../storage/database.ts';
import { decideBatch } from './batch-decide-approvals.ts';

let server: TestServer;
let seed: SeededOrg;
let decider: string;
beforeAll(async () => {
  server = await startTestServer();
  seed = await seedOrg(server.db);
  decider = (await seed.newKey()).key;
});
afterAll(() => server.stop());

const batch = (body: unknown) => server.http(decider).post('/api/v1/approvals/batch-decide').send(body as object);

describe('POST /approvals/batch-decide — bad input → 400 in the envelope, nothing decided', () => {
  const id = randomUUID();
  const fiftyOne = Array.from({ length: 51 }, () => randomUUID());
  it.each([
    ['no ids', { decision: 'approve' }, 'ids is required'],
    ['no decision', { ids: [id] }, 'decision is required'],
    ['an empty list', { ids: [], decision: 'approve' }, 'ids: Too small: expected array to have >=1 items'],
    ['51 ids', { ids: fiftyOne, decision: 'approve' }, 'ids: Too big: expected array to have <=50 items'],
    ['an id that is not a uuid', { ids: [id, 'abc'], decision: 'approve' }, 'ids.1: Invalid UUID'],
    ['ids as a string', { ids: id, decision: 'approve' }, 'ids: Invalid input: expected array, received string'],
    ['an unknown decision', { ids: [id], decision: 'maybe' }, 'decision: Invalid option: expected one of "approve"|"reject"'],
    ['an unknown field', { ids: [id], decision: 'approve', force: true }, 'unknown field: force'],
    ['a comment over 10,000 characters', { ids: [id], decision: 'approve', comment: 'x'.repeat(10_001) }, 'comment: Too big: expected string to have <=10000 characters'],
  ])('%s', async (_name, body, message) => {
    const res = await batch(body).expect(400);
    expect(res.body).toEqual({ error: { code: 'VALIDATION_ERROR', message, details: expect.objectContaining({ location: 'body' }), request_id: expect.any(String) } });
  });

  it('a body that is not JSON → 400 INVALID_JSON; none → 415', async () => {
    const res = await server.http(decider).post('/api/v1/approvals/batch-decide').set('Content-Type', 'application/json').send('{"ids": [').expect(400);
    expect(res.body.error.code).toBe('INVALID_JSON');
    const none = await server.http(decider).post('/api/v1/approvals/batch-decide').expect(415);
    expect(none.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('a valid id in a refused body is left pending', async () => {
    const a = await createRequest(server, seed.key);
    const before = await snapshot(server, a.id);
    await batch({ ids: [a.id, 'abc'], decision: 'approve' }).expect(400);
    await batch({ ids: [a.id], decision: 'approve', extra: 1 }).expect(400);
    expect(await snapshot(server, a.id)).toEqual(before);
  });

  it('other methods on the path → 405 with Allow', async () => {
    const res = await server.http(decider).get('/api/v1/approvals/batch-decide').expect(405);
    expect(res.headers.allow).toBe('POST');
  });
});

describe('the emergency stop', () => {
  it('on before the call → 503 for the whole batch, nothing decided', async () => {
    const org = await seedOrg(server.db);
    const key = (await org.newKey()).key;
    const a = await createRequest(server, org.key);
    const before = await snapshot(server, a.id);
    await setEmergencyStop(server.db, org.org.id, true);
    const res = await server.http(key).post('/api/v1/approvals/batch-decide').send({ ids: [a.id], decision: 'approve' }).expect(503);
    expect(res.body.error.code).toBe('EMERGENCY_STOP');
    expect(await snapshot(server, a.id)).toEqual(before);
  });

  it('turned on half-way → the decisions made before it stand, every later one is refused with EMERGENCY_STOP', async () => {
    const org = await seedOrg(server.db);
    const approver = await org.addUser('approver');
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await createRequest(server, org.key)).id);
    const befores = await Promise.all(ids.map((id) => snapshot(server, id)));
    // The stop commits just before the third decision's statement runs (a real UPDATE of the org row).
    let decisions = 0;
    const db = new Proxy(server.db, {
      get(target, prop) {
        if (prop !== 'query') {
          const v = Reflect.get(target, prop, target) as unknown;
          return typeof v === 'function' ? v.bind(target) : v;
        }
        return async (...args: Parameters<Database['query']>) => {
          if (args[2]?.prepare === 'decide_approval' && ++decisions === 3) await setEmergencyStop(target, org.org.id, true);
          return target.query(...args);
        };
      },
    });
    const result = await decideBatch({ db }, userAuth(org, approver, 'approver'), { ids, decision: 'approve' });
    expect(result.data.map((r) => (r.outcome === 'recorded' ? r.approval.status : `${r.status} ${r.error.code}`))).toEqual([
      'approved',
      'approved',
      '503 EMERGENCY_STOP',
      '503 EMERGENCY_STOP',
      '503 EMERGENCY_STOP',
    ]);
    for (let i = 2; i < 5; i++) expect(await snapshot(server, ids[i]!)).toEqual(befores[i]);
  });
});
