/**
 * What a long poll or the event stream says a holder may do is what that holder's credential and role
 * allow: a read-only key and a viewer are told they may change nothing, and why, and the change is refused alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookPayload } from '@greenlight/contract';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { signedIn } from '../../testing/session.ts';
import { createRequest } from '../../testing/decisions.ts';
import { openSse, type SseStream } from './sse-client.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(() => server.stop(), 60_000);

const streams: SseStream[] = [];
afterAll(() => streams.forEach((s) => s.close()));

describe('viewer_can on /wait and /events follows the holder’s credential', () => {
  it('a read-only key streaming is told it may not decide or comment, and is refused alike', async () => {
    const seed = await seedOrg(server.db);
    const reader = await seed.newKey({ scopes: ['approvals:read'] });
    const s = await openSse(`${server.url}/api/v1/events`, { key: reader.key });
    streams.push(s);
    const req = await createRequest(server, seed.key);
    const [created] = await s.waitFor(1);
    expect(WebhookPayload.parse(JSON.parse(created!.data)).data.approval?.viewer_can).toMatchObject({
      decide: { allowed: false, reason: 'This credential lacks the approvals:write scope' },
      cancel: { allowed: false },
      comment: { allowed: false, reason: 'This credential lacks the comments:write scope' },
    });
    const refused = await server.http(reader.key).patch(`/api/v1/approvals/${req.id}`).send({ decision: 'approve' }).expect(403);
    expect(refused.body.error.code).toBe('INSUFFICIENT_SCOPE');
  });

  it('a viewer waiting is told viewers change nothing, and is refused alike', async () => {
    const seed = await seedOrg(server.db);
    const viewer = await signedIn(server, seed, 'viewer');
    const req = await createRequest(server, seed.key);
    const res = await viewer.http().get(`/api/v1/approvals/${req.id}/wait?timeout=1`).expect(200);
    expect(res.body.viewer_can).toMatchObject({
      decide: { allowed: false, reason: 'Viewers cannot change requests' },
      cancel: { allowed: false },
      reassign: { allowed: false },
    });
    const refused = await viewer.http().patch(`/api/v1/approvals/${req.id}`).send({ decision: 'reject' });
    expect(refused.status).toBe(403);
  });
});
