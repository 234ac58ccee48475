import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';

let server: TestServer;
let seed: SeededOrg;
beforeAll(async () => {
  server = await startTestServer();
  seed = await seedOrg(server.db);
}, 60_000);
afterAll(() => server.stop(), 60_000);

describe('two spellings of one field at once', () => {
  it.each([
    ['metadata and payload', { metadata: { a: 1 }, payload: { a: 1 } }, 'payload: payload is another name for metadata: send one of the two'],
    ['action_type and action', { action_type: 'update', action: 'update' }, 'action: action is another name for action_type: send one of the two'],
    [
      'resource and entity fields',
      { resource: { type: 'rule', id: 'r1' }, entity_type: 'rule', entity_id: 'r1' },
      'entity_type: entity_type, entity_id and resource name the same entity: send one or the other',
    ],
    ['entity_type without entity_id (they go together)', { entity_type: 'rule' }, 'entity_id is required'],
    ['entity_name alone', { entity_name: 'Rule' }, 'entity_type is required'],
    ['an action that is not create, update or delete', { action: 'archive' }, 'action: Invalid option: expected one of "create"|"update"|"delete"'],
  ])('refuses %s on create with 400', async (_name, fields, message) => {
    const res = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody(fields)).expect(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', message });
  });

  it('refuses comment and decision_note together on a decision', async () => {
    const a = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body;
    const other = await seed.newKey();
    const res = await server.http(other.key).patch(`/api/v1/approvals/${a.id}`).send({ decision: 'approve', comment: 'a', decision_note: 'b' }).expect(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', message: 'decision_note: decision_note is another name for comment: send one of the two' });
    expect((await server.http(seed.key).get(`/api/v1/approvals/${a.id}`).expect(200)).body.status).toBe('pending');
  });
});

describe('unknown query parameters', () => {
  it.each([
    ['a misspelt filter of the list', '/api/v1/approvals?stauts=pending', 'unknown query parameter: stauts'],
    ['two unknown parameters', '/api/v1/approvals?reverse=true&order=asc&limit=5', 'unknown query parameters: order, limit'],
    ['a parameter on a route that takes none', '/api/v1/me?verbose=1', 'unknown query parameter: verbose'],
    ['a parameter on a read by id', `/api/v1/approvals/00000000-0000-4000-8000-000000000000?expand=steps`, 'unknown query parameter: expand'],
    ['a parameter of the delivery log', '/api/v1/deliveries?event=approval.created', 'unknown query parameter: event'],
    ['reverse that is not a boolean', '/api/v1/approvals?reverse=yes', 'reverse: Invalid option: expected one of "true"|"false"'],
  ])('refuses %s with 400 naming it', async (_name, path, message) => {
    const res = await server.http(seed.key).get(path).expect(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', message, details: { location: 'query' } });
  });
});
