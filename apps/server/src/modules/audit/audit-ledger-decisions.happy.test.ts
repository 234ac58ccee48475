/**
 * Decisions are links of the org's audit chain: votes and final decisions, by people and keys,
 * interleaved with audit entries in commit order, exported with what was decided on, and verified
 * like any entry; decisions made in parallel in one org chain without a fork, and (on Postgres) one
 * org's decisions do not wait for each other's commits; the signing key rotates with older exports
 * still verifying.
 */
import pg from 'pg';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLedger, LEDGER_DECISION_TYPES } from '@greenlight/contract';
import { AUDIT_KEYS_PATH, verifyLedger, type AuditKeySet } from '@greenlight/client/audit-ledger';
import { approvalBody, seedOrg, startTestServer, TEST_DATABASE_URL, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { signedIn, type SignedIn } from '../../testing/session.ts';
import { rotateAuditSigningKey } from '../../core/audit-chain.ts';
import { contentSha256 } from '../../core/approval-record.ts';
import { usePolicies } from '../../testing/policies.ts';
import { grantAccessToken, memberWithPassword } from '../../testing/oauth.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ config: { GREENLIGHT_DELIVERY_WORKER: 'false' } });
});
afterAll(() => server.stop());

const keys = async (): Promise<AuditKeySet> => (await server.http().get(AUDIT_KEYS_PATH).expect(200)).body;
const ledger = async (admin: SignedIn, query = ''): Promise<AuditLedger> =>
  AuditLedger.parse((await admin.http().get(`/api/v1/audit-log/ledger${query}`).expect(200)).body);

const create = async (seed: SeededOrg, overrides: Record<string, unknown> = {}): Promise<{ id: string; title: string; description: string }> =>
  (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody(overrides)).expect(201)).body;

describe('decisions in the ledger', () => {
  let seed: SeededOrg;
  let admin: SignedIn;
  beforeAll(async () => {
    seed = await seedOrg(server.db, 'Decided');
    admin = await signedIn(server, seed);
  });

  it('chains votes and final decisions between audit entries, in commit order, and the export verifies', async () => {
    const start = (await ledger(admin)).to_seq;
    const one = await create(seed, { title: 'Ship release 4.2' });
    await admin.http().patch(`/api/v1/approvals/${one.id}`).send({ decision: 'approve', comment: 'looks right' }).expect(200);
    const key = await admin.http().post('/api/v1/connections').send({ name: 'between decisions' }).expect(201);
    const two = await create(seed, { required_approvals: 2 });
    const voter = await seed.newKey({ name: 'voter' });
    await server.http(voter.key).patch(`/api/v1/approvals/${two.id}`).send({ decision: 'approve' }).expect(200);
    await admin.http().patch(`/api/v1/approvals/${two.id}`).send({ decision: 'reject', comment: 'no' }).expect(200);

    const doc = await ledger(admin);
    const added = doc.entries.slice(start);
    expect(added.map((e) => [e.kind, e.type])).toEqual([
      ['decision', 'approval.approved'],
      ['audit', 'connection.created'],
      ['audit', 'connection.created'], // the voter's key
      ['decision', 'approval.vote_recorded'],
      ['decision', 'approval.rejected'],
    ]);
    expect(doc.entries.map((e) => e.seq)).toEqual(doc.entries.map((_, i) => i + 1));
    expect(verifyLedger(doc, await keys())).toMatchObject({ ok: true, to_seq: doc.to_seq });

    // What an auditor reads: the request, who decided, the decision, the comment, when, and the content decided on.
    const approved = added[0]!;
    expect(approved).toMatchObject({
      kind: 'decision',
      actor: { type: 'user', id: admin.user.id },
      target: { type: 'approval', id: one.id },
      details: {
        request_id: one.id,
        decider: { kind: 'person', id: admin.user.id, name: admin.user.email },
        decision: 'approve',
        comment: 'looks right',
        approved_content_sha256: contentSha256((await server.http(seed.key).get(`/api/v1/approvals/${one.id}`).expect(200)).body),
      },
    });
    expect(Date.parse(approved.created_at)).not.toBeNaN();
    expect(added[1]).toMatchObject({ target: { type: 'connection', id: key.body.id } });
    expect(added[3]).toMatchObject({ details: { decider: { kind: 'key', id: voter.connectionId }, decision: 'approve', comment: null, current_approvals: 1 } });
    expect(added[4]).toMatchObject({ details: { decider: { kind: 'person' }, decision: 'reject', comment: 'no' } });
  });

  it('chains a vote made through an OAuth grant as the person who granted it', async () => {
    const org = await seedOrg(server.db, 'Grant voted');
    const orgAdmin = await signedIn(server, org);
    const approver = await memberWithPassword(server, org, 'approver');
    const token = await grantAccessToken(server, org, approver, ['approvals:read', 'approvals:write']);
    const one = (await server.http(org.key).post('/api/v1/approvals').send(approvalBody({ title: 'Voted through Zapier' })).expect(201)).body;
    await supertest(server.url).patch(`/api/v1/approvals/${one.id}`).set('Authorization', `Bearer ${token}`).send({ decision: 'approve' }).expect(200);
    const doc = await ledger(orgAdmin);
    const decision = doc.entries.find((e) => e.kind === 'decision' && e.target?.id === one.id);
    expect(decision).toMatchObject({
      type: 'approval.approved',
      actor: { type: 'user', id: approver.id },
      details: { decider: { kind: 'person', id: approver.id, name: approver.email }, decision: 'approve' },
    });
    expect(verifyLedger(doc, await keys()).ok).toBe(true);
  });

  it("chains a policy's decision at create, naming the policy as the decider", async () => {
    const org = await seedOrg(server.db, 'Policy decided');
    const orgAdmin = await signedIn(server, org);
    await usePolicies(server, org);
    const read = (await server.http(org.key).post('/api/v1/approvals').send(approvalBody({ action_type: 'read.users', priority: 'low' })).expect(201)).body;
    expect(read.status).toBe('approved');
    const doc = await ledger(orgAdmin);
    const decision = doc.entries.find((e) => e.kind === 'decision' && e.target?.id === read.id);
    expect(decision).toMatchObject({
      type: 'approval.approved',
      actor: { type: 'system' },
      details: { decider: { kind: 'policy', id: 'reads-are-safe' }, decision: 'approve', comment: 'reads are safe', approved_content_sha256: read.approved_content_sha256 },
    });
    // The policy change that allowed it is chained before it.
    const policyChange = doc.entries.findIndex((e) => e.type === 'policies.updated');
    expect(policyChange).toBeGreaterThanOrEqual(0);
    expect(policyChange).toBeLessThan(doc.entries.indexOf(decision!));
    expect(verifyLedger(doc, await keys()).ok).toBe(true);
  });

  it('keeps a decision in the ledger after retention removed its request and events', async () => {
    const org = await seedOrg(server.db, 'Purged');
    const purger = await signedIn(server, org);
    const a = await create(org);
    await purger.http().patch(`/api/v1/approvals/${a.id}`).send({ decision: 'approve', comment: 'keep me' }).expect(200);
    const before = await ledger(purger);
    await server.db.query(`SELECT * FROM greenlight_purge_closed(now() + interval '1 day', 100, 0)`);
    expect((await server.db.query('SELECT 1 FROM events WHERE approval_id = $1', [a.id])).rows).toEqual([]);
    const after = await ledger(purger);
    expect(after.entries.slice(0, before.entries.length)).toEqual(before.entries);
    expect(after.entries.find((e) => e.kind === 'decision')).toMatchObject({ details: { comment: 'keep me' } });
    expect(after.entries.at(-1)).toMatchObject({ kind: 'audit', type: 'retention.purged' });
    expect(verifyLedger(after, await keys()).ok).toBe(true);
  });

  it('chains exactly the contract\'s decision types (the trigger and the list agree)', async () => {
    const { rows } = await server.db.query<{ def: string }>(`SELECT pg_get_triggerdef(oid) AS def FROM pg_trigger WHERE tgname = 'events_chain_decision'`);
    const listed = [...rows[0]!.def.matchAll(/'([a-z_.]+)'::text/g)].map((m) => m[1]).sort();
    expect(listed).toEqual([...LEDGER_DECISION_TYPES].sort());
  });

  it('decisions made in parallel in one org all chain, gapless, with no fork', async () => {
    const org = await seedOrg(server.db, 'Parallel');
    const busy = await signedIn(server, org);
    const n = 12;
    const requests = await Promise.all(Array.from({ length: n }, () => create(org)));
    const before = (await ledger(busy)).to_seq;
    const voters = await Promise.all(Array.from({ length: 3 }, (_, i) => org.newKey({ name: `voter ${i}` })));
    // Each request decided by a key, while admins write audit entries in the same org.
    const results = await Promise.all([
      ...requests.map((r, i) => server.http(voters[i % 3]!.key).patch(`/api/v1/approvals/${r.id}`).send({ decision: i % 2 ? 'approve' : 'reject' })),
      ...Array.from({ length: 4 }, (_, i) => busy.http().post('/api/v1/connections').send({ name: `meanwhile ${i}` })),
    ]);
    expect(results.map((r) => r.status)).toEqual([...Array(n).fill(200), ...Array(4).fill(201)]);
    const doc = await ledger(busy);
    expect(doc.entries.map((e) => e.seq)).toEqual(doc.entries.map((_, i) => i + 1));
    const decided = doc.entries.slice(before).filter((e) => e.kind === 'decision').map((e) => e.target?.id);
    expect(decided.sort()).toEqual(requests.map((r) => r.id).sort());
    const { rows } = await server.db.query<{ n: number; distinct_prev: number }>(
      'SELECT count(*)::int AS n, count(DISTINCT prev_hash)::int AS distinct_prev FROM audit_chain WHERE org_id = $1',
      [org.org.id],
    );
    expect(rows[0]).toEqual({ n: doc.to_seq, distinct_prev: doc.to_seq });
    expect(verifyLedger(doc, await keys())).toMatchObject({ ok: true, to_seq: before + n + 4 + 3 });
  });
});

// PGlite runs one transaction at a time, so there a decision cannot be held open beside another.
describe.skipIf(!TEST_DATABASE_URL)('decisions of one org at the same moment, on Postgres', () => {
  it('a decision whose transaction is still open holds up no other decision of the org; both chain', async () => {
    const org = await seedOrg(server.db, 'Side by side');
    const busy = await signedIn(server, org);
    const [held, other] = [await create(org), await create(org)];
    const before = (await ledger(busy)).to_seq;
    const voter = await org.newKey({ name: 'voter' });
    const c = new pg.Client({ connectionString: server.databaseUrl });
    await c.connect();
    try {
      // A decision written and not committed: its event's link is in the chain's table, unplaced.
      await c.query('BEGIN');
      await c.query(
        `INSERT INTO events (org_id, approval_id, type, actor_type, actor_name, from_status, to_status, data)
         VALUES ($1, $2, 'approval.approved', 'system', 'held', 'pending', 'approved', '{"decision":"approve","reason":"policy","policy":{"id":"p","version":1}}')`,
        [org.org.id, held.id],
      );
      // Another decision in the org meanwhile answers, and an export does too (without the held link).
      await server.http(voter.key).patch(`/api/v1/approvals/${other.id}`).send({ decision: 'approve' }).expect(200);
      const meanwhile = await ledger(busy);
      expect(meanwhile.entries.slice(before).map((e) => e.target?.id)).toEqual([expect.any(String), other.id]); // the voter's key, then the decision
      await c.query('COMMIT');
    } finally {
      await c.end();
    }
    // Committed later, the held decision is placed after it at the next seal, and the chain verifies.
    const doc = await ledger(busy);
    expect(doc.entries.slice(before).map((e) => e.target?.id)).toEqual([expect.any(String), other.id, held.id]);
    expect(doc.entries.map((e) => e.seq)).toEqual(doc.entries.map((_, i) => i + 1));
    expect(verifyLedger(doc, await keys())).toMatchObject({ ok: true });
  });
});

describe('rotating the signing key', () => {
  it('signs new exports with the new key, publishes both, and older exports still verify', async () => {
    const seed = await seedOrg(server.db, 'Rotated');
    const admin = await signedIn(server, seed);
    const a = await create(seed);
    await admin.http().patch(`/api/v1/approvals/${a.id}`).send({ decision: 'approve' }).expect(200);
    const old = await ledger(admin);
    const { kid, retired } = await rotateAuditSigningKey(server.db);
    expect(retired).toContain(old.signature.kid);
    expect(kid).not.toBe(old.signature.kid);

    const set = await keys();
    expect(set.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([old.signature.kid, kid]));
    const fresh = await ledger(admin);
    expect(fresh.signature.kid).toBe(kid);
    expect(verifyLedger(old, set).ok).toBe(true);
    expect(verifyLedger(fresh, set).ok).toBe(true);
    // A verifier holding only the old key set trusts nothing the new key signed.
    const oldOnly = { keys: set.keys.filter((k) => k.kid !== kid) };
    expect(verifyLedger(fresh, oldOnly)).toMatchObject({ ok: false, problem: expect.stringContaining('not among the trusted keys') });
    // The new private key is sealed at rest like the first.
    const { rows } = await server.db.query<{ private_key: string }>('SELECT private_key FROM audit_signing_keys WHERE kid = $1', [kid]);
    expect(rows[0]!.private_key).not.toContain('PRIVATE KEY');
  });
});
