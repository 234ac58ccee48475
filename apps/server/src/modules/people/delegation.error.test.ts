import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { sessionOf, signedIn } from '../../testing/session.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const at = (ms: number) => new Date(Date.now() + ms).toISOString();
const HOUR = 3_600_000;

describe('setting a delegation: bad input is refused with the reason, and nothing is stored', () => {
  it.each([
    ['yourself', (s: Ctx) => ({ delegate_id: s.bob.id, ends_at: at(HOUR) }), 'delegate_id: you cannot be your own delegate: choose another member'],
    ['someone of another org', (s: Ctx) => ({ delegate_id: s.stranger.id, ends_at: at(HOUR) }), `delegate_id: user ${'STRANGER'} is not a member of this organization`],
    ['a viewer', (s: Ctx) => ({ delegate_id: s.viewer.id, ends_at: at(HOUR) }), 'delegate_id: the delegate is a viewer and cannot decide: choose an approver or admin'],
    ['an end in the past', (s: Ctx) => ({ delegate_id: s.dana.id, starts_at: at(-2 * HOUR), ends_at: at(-HOUR) }), 'ends_at: ends_at must be in the future'],
    ['an end before the start', (s: Ctx) => ({ delegate_id: s.dana.id, starts_at: at(2 * HOUR), ends_at: at(HOUR) }), 'ends_at: ends_at must be after starts_at'],
    ['a window over a year', (s: Ctx) => ({ delegate_id: s.dana.id, ends_at: at(400 * 24 * HOUR) }), 'ends_at: a delegation lasts at most 366 days'],
    ['no end', (s: Ctx) => ({ delegate_id: s.dana.id }), 'ends_at'],
    ['an unknown field', (s: Ctx) => ({ delegate_id: s.dana.id, ends_at: at(HOUR), chain: true }), 'chain'],
  ])('%s', async (_, body, message) => {
    const ctx = await setup();
    const res = await ctx.asBob.http().post('/api/v1/me/delegation').send(body(ctx));
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(res.body.error.message).toContain(message.replace('STRANGER', ctx.stranger.id));
    const { rows } = await server.db.query('SELECT 1 FROM delegations WHERE user_id = $1', [ctx.bob.id]);
    expect(rows).toEqual([]);
  });

  it('a delegate who is away during the window is refused (no chains), saying until when; a cycle cannot form', async () => {
    const ctx = await setup();
    const asDana = await sessionOf(server, ctx.seed, ctx.dana);
    await asDana.http().post('/api/v1/me/delegation').send({ delegate_id: ctx.bob.id, ends_at: at(HOUR) }).expect(200);
    const res = await ctx.asBob.http().post('/api/v1/me/delegation').send({ delegate_id: ctx.dana.id, ends_at: at(2 * HOUR) });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^delegate_id: the delegate is away themselves until \d{4}-.*Z \(delegations do not chain\): choose someone else$/);
    // After Dana's window, the same delegation is fine.
    await ctx.asBob.http().post('/api/v1/me/delegation').send({ delegate_id: ctx.dana.id, starts_at: at(HOUR + 60_000), ends_at: at(2 * HOUR) }).expect(200);
  });

  it('ending a delegation that does not exist answers null; a member unknown to the org is 404 for an admin', async () => {
    const ctx = await setup();
    await ctx.asBob.http().delete('/api/v1/me/delegation').expect(200, { delegation: null });
    const asAdmin = await signedIn(server, ctx.seed);
    for (const res of [
      await asAdmin.http().get(`/api/v1/members/${ctx.stranger.id}/delegation`),
      await asAdmin.http().post(`/api/v1/members/${ctx.stranger.id}/delegation`).send({ delegate_id: ctx.dana.id, ends_at: at(HOUR) }),
      await asAdmin.http().delete(`/api/v1/members/${ctx.stranger.id}/delegation`),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
  });
});

type Ctx = Awaited<ReturnType<typeof setup>>;
async function setup() {
  const seed = await seedOrg(server.db);
  const other = await seedOrg(server.db);
  const [bob, dana, viewer] = [await seed.addUser('approver'), await seed.addUser('approver'), await seed.addUser('viewer')];
  const stranger = await other.addUser('approver');
  const asBob = await sessionOf(server, seed, bob);
  return { seed, bob, dana, viewer, stranger, asBob };
}
