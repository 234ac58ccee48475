import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { signedIn } from '../../testing/session.ts';

let server: TestServer;
let seed: SeededOrg;
beforeAll(async () => {
  server = await startTestServer();
  seed = await seedOrg(server.db);
});
afterAll(() => server.stop());

const content = { metadata: { ssn: '1', list: [{ card: 'x' }] }, changes: { before: null, after: { card: '4111' } } };

describe('redact on create — every path must name a field of the request → 400, nothing created', () => {
  it.each([
    ['a path to nothing', ['metadata.sn'], 'redact.0: metadata.sn names no field of this request'],
    ['below a leaf', ['metadata.ssn.x'], 'redact.0: metadata.ssn.x names no field of this request'],
    ['changes.before when it is null', ['changes.before.card'], 'redact.0: changes.before.card names no field of this request'],
    ['an array index out of range', ['metadata.list.1.card'], 'redact.0: metadata.list.1.card names no field of this request'],
    ['a root only', ['metadata'], 'redact.0: redact paths start with metadata., changes.before. or changes.after. and name a field'],
    ['another root', ['title.x'], 'redact.0: redact paths start with metadata., changes.before. or changes.after. and name a field'],
    ['changes without before/after', ['changes.card'], 'redact.0: redact paths start with metadata., changes.before. or changes.after. and name a field'],
    ['an empty segment', ['metadata..ssn'], 'redact.0: redact paths start with metadata., changes.before. or changes.after. and name a field'],
    ['a path twice', ['metadata.ssn', 'metadata.ssn'], 'redact.1: metadata.ssn is listed twice'],
    ['51 paths', Array.from({ length: 51 }, () => 'metadata.ssn'), 'redact: Too big: expected array to have <=50 items'],
    ['a path over 200 characters', [`metadata.${'a'.repeat(200)}`], 'redact.0: Too big: expected string to have <=200 characters'],
    ['not an array', 'metadata.ssn', 'redact: Invalid input: expected array, received string'],
  ])('%s', async (_name, redact, message) => {
    const before = (await server.db.query('SELECT count(*)::int AS n FROM approvals WHERE org_id = $1', [seed.org.id])).rows[0];
    const res = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ ...content, redact })).expect(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', message });
    expect((await server.db.query('SELECT count(*)::int AS n FROM approvals WHERE org_id = $1', [seed.org.id])).rows[0]).toEqual(before);
  });

  it('paths into arrays, nested objects, payload (metadata spelled the peer way) and changes are accepted', async () => {
    const res = await server
      .http(seed.key)
      .post('/api/v1/approvals')
      .send(approvalBody({ payload: content.metadata, changes: content.changes, redact: ['metadata.list.0.card', 'metadata.ssn', 'changes.after.card'] }))
      .expect(201);
    expect(res.body.redact).toEqual(['metadata.list.0.card', 'metadata.ssn', 'changes.after.card']);
  });

  it('PATCH /members/:id with neither role nor see_sensitive → 400', async () => {
    const admin = await signedIn(server, seed);
    const member = await seed.addUser('approver');
    const res = await admin.http().patch(`/api/v1/members/${member.id}`).send({}).expect(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', message: 'send role, see_sensitive or both' });
    await admin.http().patch(`/api/v1/members/${member.id}`).send({ see_sensitive: 'yes' }).expect(400);
  });
});
