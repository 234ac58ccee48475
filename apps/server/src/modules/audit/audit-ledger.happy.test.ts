import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLedger } from '@greenlight/contract';
import { AUDIT_KEYS_PATH, GENESIS_HASH, verifyLedger, type AuditKeySet } from '@greenlight/client/audit-ledger';
import { seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { signedIn, type SignedIn } from '../../testing/session.ts';
import { sealAllAuditChains } from '../../core/audit-chain.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ config: { GREENLIGHT_DELIVERY_WORKER: 'false' } });
});
afterAll(() => server.stop());

const keys = async (): Promise<AuditKeySet> => (await server.http().get(AUDIT_KEYS_PATH).expect(200)).body;
const ledger = async (admin: SignedIn, query = ''): Promise<AuditLedger> => {
  const body = (await admin.http().get(`/api/v1/audit-log/ledger${query}`).expect(200)).body;
  return AuditLedger.parse(body);
};

describe('the audit ledger', () => {
  let seed: SeededOrg;
  let admin: SignedIn;
  beforeAll(async () => {
    seed = await seedOrg(server.db, 'Ledger');
    admin = await signedIn(server, seed);
  });

  it('chains every entry of the org, in order and gapless, and the signed export verifies with the published key', async () => {
    const http = admin.http();
    const key = await http.post('/api/v1/connections').send({ name: 'ledgered key' }).expect(201);
    await http.delete(`/api/v1/connections/${key.body.id}`).expect(200);
    await http.patch('/api/v1/org').send({ emergency_stop: true }).expect(200);
    await http.patch('/api/v1/org').send({ emergency_stop: false }).expect(200);

    const doc = await ledger(admin);
    expect(doc.org_id).toBe(seed.org.id);
    expect(doc.entries.map((e) => e.seq)).toEqual(doc.entries.map((_, i) => i + 1));
    expect(doc.from_seq).toBe(1);
    expect(doc.to_seq).toBe(doc.entries.length);
    expect(doc.entries[0]!.prev_hash).toBe(GENESIS_HASH);
    for (let i = 1; i < doc.entries.length; i++) expect(doc.entries[i]!.prev_hash).toBe(doc.entries[i - 1]!.hash);
    // The same entries as the audit log's own export, oldest first.
    const exported = (await http.get('/api/v1/audit-log/export').expect(200)).text.trim().split('\n').map((l) => JSON.parse(l));
    expect(doc.entries.map(({ seq: _s, kind: _k, prev_hash: _p, hash: _h, ...e }) => e)).toEqual(exported);

    const set = await keys();
    expect(set.keys).toHaveLength(1);
    expect(set.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', kid: doc.signature.kid });
    expect(set.keys[0]).not.toHaveProperty('d');
    expect(verifyLedger(doc, set)).toEqual({ ok: true, entries: doc.entries.length, org_id: seed.org.id, from_seq: 1, to_seq: doc.to_seq, kid: doc.signature.kid });
  });

  it('exports a signed range that verifies on its own', async () => {
    const full = await ledger(admin);
    const part = await ledger(admin, '?from_seq=2&to_seq=3');
    expect(part.entries.map((e) => e.seq)).toEqual([2, 3]);
    expect(part.first_prev_hash).toBe(full.entries[0]!.hash);
    expect(verifyLedger(part, await keys()).ok).toBe(true);
    // Past the end: an empty range, still signed, anchored at the head.
    const empty = await ledger(admin, `?from_seq=${full.to_seq + 1}`);
    expect(empty.entries).toEqual([]);
    expect(empty.last_hash).toBe(full.last_hash);
    expect(verifyLedger(empty, await keys()).ok).toBe(true);
  });

  it('entries written by SQL (admin overrides, retention) and entries from before the ledger are chained in id order', async () => {
    for (let i = 0; i < 3; i++) {
      await server.db.query(
        "INSERT INTO audit_log (org_id, type, actor_type, actor_name, details) VALUES ($1, 'retention.purged', 'system', 'retention', $2::jsonb)",
        [seed.org.id, JSON.stringify({ requests: i })],
      );
    }
    expect(await sealAllAuditChains(server.db)).toBe(3);
    const doc = await ledger(admin);
    expect(doc.entries.slice(-3).map((e) => e.details.requests)).toEqual([0, 1, 2]);
    expect(verifyLedger(doc, await keys()).ok).toBe(true);
  });

  it('concurrent writers in one org leave one gapless valid chain', async () => {
    const org = await seedOrg(server.db, 'Busy');
    const busy = await signedIn(server, org);
    const before = (await ledger(busy)).to_seq;
    const made = await Promise.all(Array.from({ length: 20 }, (_, i) => busy.http().post('/api/v1/connections').send({ name: `parallel ${i}` })));
    expect(made.map((r) => r.status)).toEqual(Array(20).fill(201));
    const doc = await ledger(busy);
    expect(doc.to_seq).toBe(before + 20);
    expect(doc.entries.map((e) => e.seq)).toEqual(Array.from({ length: before + 20 }, (_, i) => i + 1));
    expect(doc.entries.filter((e) => e.type === 'connection.created').length).toBeGreaterThanOrEqual(20);
    expect(verifyLedger(doc, await keys())).toMatchObject({ ok: true, to_seq: before + 20 });
  });
});
