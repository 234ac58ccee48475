/**
 * Every decision offers its statement a sealed new callback secret, kept only for an org that has
 * none; it is made ahead of the decision (takeSealedNewSecret, security/made-ahead.ts). No two offers
 * may be the same secret, or two orgs deciding for the first time at once would sign with one.
 */
import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { approvalBody, seedOrg, type TestServer } from '../../testing/harness.ts';
import { useCallbackServer } from '../../testing/callback-world.ts';
import { secretKeys } from '../../security/sealed.ts';

let server: TestServer;
const { receiver: startReceiver } = useCallbackServer((s) => (server = s), {});

describe('two orgs deciding their first requests at once', () => {
  it('get secrets of their own, each the one their callback is signed with', async () => {
    const receiver = await startReceiver();
    const orgs = await Promise.all([seedOrg(server.db), seedOrg(server.db), seedOrg(server.db)]);
    const ids = await Promise.all(
      orgs.map(async (seed) => (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ callback_url: `${receiver.url}/cb` })).expect(201)).body.id as string),
    );
    const deciders = await Promise.all(orgs.map((seed) => seed.newKey()));
    const decided = await Promise.all(ids.map((id, i) => server.http(deciders[i]!.key).patch(`/api/v1/approvals/${id}`).send({ decision: 'approve' })));
    for (const r of decided) expect(r.status, JSON.stringify(r.body)).toBe(200);

    const { rows } = await server.db.query<{ org_id: string; secret: string }>('SELECT org_id, secret FROM callback_secrets WHERE org_id = ANY($1::uuid[])', [
      orgs.map((o) => o.org.id),
    ]);
    expect(rows).toHaveLength(3);
    const secrets = rows.map((r) => secretKeys().open(r.secret));
    expect(new Set(secrets).size).toBe(3);
    await receiver.until(() => ids.every((id) => receiver.received.some((r) => r.body.includes(id))), 10_000);
    for (const [i, id] of ids.entries()) {
      const got = receiver.received.find((r) => r.body.includes(id))!;
      const secret = secrets[rows.findIndex((r) => r.org_id === orgs[i]!.org.id)]!;
      expect(new Webhook(secret).verify(got.body, got.headers as Record<string, string>), `org ${i}'s callback, signed with its own secret`).toMatchObject({ data: { approval: { id } } });
      for (const other of secrets.filter((s) => s !== secret)) expect(() => new Webhook(other).verify(got.body, got.headers as Record<string, string>)).toThrow();
    }
  });
});
