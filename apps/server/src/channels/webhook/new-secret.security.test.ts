/**
 * An org's callback signing secret is made once, by the first callback's attempt (callbackSecrets,
 * from a secret made ahead: takeSealedNewSecret, security/made-ahead.ts); a decision's statement only
 * reads it. No two orgs may get the same secret, or two orgs deciding for the first time at once would
 * sign with one; and every callback of an org is signed with the one secret it keeps.
 */
import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { approvalBody, seedOrg, type TestServer } from '../../testing/harness.ts';
import { useCallbackServer } from '../../testing/callback-world.ts';
import type { TestReceiver } from '../../testing/receiver.ts';
import { secretKeys } from '../../security/sealed.ts';
import { statementsDuring } from '../../testing/statements.ts';
import { generateSecret } from './signer.ts';

let server: TestServer;
const { receiver: startReceiver } = useCallbackServer((s) => (server = s), {});

/** The `new_secret` of each decision statement the server sends while `work` runs. */
async function offeredSecrets(work: () => Promise<unknown>): Promise<unknown[]> {
  const { steps } = await statementsDuring(server.db, work);
  return steps
    .filter((s) => s.step === 'issued' && s.prepare === 'decide_approval')
    .map((s) => (JSON.parse(String(s.params![0])) as { new_secret: unknown }).new_secret);
}

const verifies = (secret: string, got: { body: string; headers: unknown }) => {
  try {
    new Webhook(secret).verify(got.body, got.headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
};

const received = (receiver: TestReceiver, id: string) => receiver.until(() => receiver.received.some((r) => r.body.includes(id)), 10_000).then(() => receiver.received.find((r) => r.body.includes(id))!);

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
    for (const [i, id] of ids.entries()) {
      const got = await received(receiver, id);
      const secret = secrets[rows.findIndex((r) => r.org_id === orgs[i]!.org.id)]!;
      expect(verifies(secret, got), `org ${i}'s callback, signed with its own secret`).toBe(true);
      for (const other of secrets.filter((s) => s !== secret)) expect(verifies(other, got)).toBe(false);
    }
  });
});

describe("a decision's statement", () => {
  it("is offered no new secret, before the org's first callback or after it, and every callback is signed with the one the org keeps", async () => {
    const receiver = await startReceiver();
    const seed = await seedOrg(server.db);
    const decider = await seed.newKey();
    const create = async () => (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ callback_url: `${receiver.url}/cb` })).expect(201)).body.id as string;
    const [first, second] = [await create(), await create()];

    const offered = await offeredSecrets(async () => {
      for (const id of [first, second]) {
        const r = await server.http(decider.key).patch(`/api/v1/approvals/${id}`).send({ decision: 'approve' });
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        await received(receiver, id);
      }
    });
    expect(offered).toEqual([null, null]);

    const { rows } = await server.db.query<{ secret: string }>('SELECT secret FROM callback_secrets WHERE org_id = $1', [seed.org.id]);
    expect(rows).toHaveLength(1);
    const secret = secretKeys().open(rows[0]!.secret);
    for (const id of [first, second]) expect(verifies(secret, await received(receiver, id)), 'signed with the secret the org keeps').toBe(true);
  });

  it('still keeps a secret a caller offers for an org that has none, as a process of the version before sends it', async () => {
    const seed = await seedOrg(server.db);
    const decider = await seed.newKey();
    const id = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ callback_url: 'http://127.0.0.1:9/cb' })).expect(201)).body.id as string;
    const offered = secretKeys().seal(generateSecret());
    const vote = {
      org: seed.org.id, approval: id, step: null, actor_type: 'connection', actor_id: decider.connectionId, actor_name: 'decider',
      user_id: null, user_role: null, decision: 'approve', comment: null, source: null, fast: true, content_sha256: null,
      answer: null, answer_refusal: null, step_up_missing: false, lease_ms: 60_000, new_secret: offered, notify: false,
    };
    const { rows } = await server.db.query<{ secret: string | null; delivery: unknown }>('SELECT r.secret, r.delivery FROM greenlight_decide($1) AS r', [JSON.stringify(vote)]);
    expect(rows[0]!.delivery).not.toBeNull();
    expect(rows[0]!.secret).toBe(offered);
    const kept = await server.db.query<{ secret: string }>('SELECT secret FROM callback_secrets WHERE org_id = $1', [seed.org.id]);
    expect(kept.rows).toEqual([{ secret: offered }]);
  });
});
