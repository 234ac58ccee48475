/**
 * Migration 111 moves placing a link of the audit chain from its writer to the sealer. A chain upgraded
 * in place keeps its hashed links; links its writers had placed and not hashed yet keep their seq and are
 * hashed first; links written afterwards (unplaced) follow them, all verifying as one chain.
 */
import { expect, it } from 'vitest';
import { GENESIS_HASH, ledgerEntryHash } from '@greenlight/client/audit-ledger';
import { migrationNames, openMigratedBefore } from '../testing/migrated-before.ts';
import { migrate } from './migrate.ts';
import { currentAuditHead, readLedgerEntries, sealAllAuditChains } from '../core/audit-chain.ts';

it('keeps the hashed links, hashes the placed ones in their places, and places new links after them', async () => {
  // The schema as it was before migration 111.
  const { db, drop } = await openMigratedBefore('111');
  try {
    const org = (await db.query<{ id: string }>(`INSERT INTO orgs (slug, name) VALUES ('old', 'Old') RETURNING id`)).rows[0]!.id;
    const entry = async (n: number) =>
      (await db.query<{ id: string; created_at: Date }>(
        `INSERT INTO audit_log (org_id, type, actor_type, actor_name, details) VALUES ($1, 'retention.purged', 'system', 'retention', $2::jsonb) RETURNING id::text AS id, created_at`,
        [org, JSON.stringify({ requests: n })],
      )).rows[0]!;
    // As the code before left it: link 1 placed and hashed, links 2 and 3 placed by their writers, not hashed yet.
    const [first, second, third] = [await entry(1), await entry(2), await entry(3)];
    const fields = { seq: 1, id: first.id, type: 'retention.purged', actor: { type: 'system' as const, id: null, name: 'retention' }, target: null, details: { requests: 1 }, created_at: first.created_at.toISOString() };
    const firstHash = ledgerEntryHash(org, GENESIS_HASH, fields);
    await db.query('INSERT INTO audit_chain_heads (org_id, seq, sealed_seq, hash) VALUES ($1, 3, 1, $2)', [org, firstHash]);
    await db.query('INSERT INTO audit_chain (org_id, seq, audit_id, prev_hash, hash) VALUES ($1, 1, $2, $3, $4)', [org, first.id, GENESIS_HASH, firstHash]);
    await db.query('INSERT INTO audit_chain (org_id, seq, audit_id) VALUES ($1, 2, $2), ($1, 3, $3)', [org, second.id, third.id]);

    expect(await migrate(db)).toEqual(migrationNames().filter((f) => f >= '111'));
    // An entry written after the upgrade: unplaced until the seal, which hashes 2 and 3 first.
    const fourth = await entry(4);
    expect((await db.query('SELECT seq, hash FROM audit_chain WHERE audit_id = $1', [fourth.id])).rows).toEqual([{ seq: null, hash: null }]);
    expect(await sealAllAuditChains(db)).toBe(3);
    expect(await currentAuditHead(db, org)).toMatchObject({ seq: 4 });
    const entries = await readLedgerEntries(db, org, 1, 4, 10);
    expect(entries.map((e) => [e.seq, e.id])).toEqual([[1, first.id], [2, second.id], [3, third.id], [4, fourth.id]]);
    expect(entries[0]!.hash).toBe(firstHash);
    // One chain: each link on the one before, each hash its own entry's.
    expect(entries.map((e) => e.prev_hash)).toEqual([GENESIS_HASH, ...entries.slice(0, -1).map((e) => e.hash)]);
    expect(entries.filter((e) => ledgerEntryHash(org, e.prev_hash, e) !== e.hash)).toEqual([]);
    expect(await sealAllAuditChains(db)).toBe(0);
  } finally {
    await drop();
  }
});

it('fails closed on a gap among the links placed before the upgrade', async () => {
  // The schema as it was before migration 111.
  const { db, drop } = await openMigratedBefore('111');
  try {
    const org = (await db.query<{ id: string }>(`INSERT INTO orgs (slug, name) VALUES ('gap', 'Gap') RETURNING id`)).rows[0]!.id;
    const id = (await db.query<{ id: string }>(`INSERT INTO audit_log (org_id, type, actor_type, actor_name) VALUES ($1, 'retention.purged', 'system', 'r') RETURNING id::text AS id`, [org])).rows[0]!.id;
    // Link 1 missing: the head says 2 were placed.
    await db.query('INSERT INTO audit_chain_heads (org_id, seq) VALUES ($1, 2)', [org]);
    await db.query('INSERT INTO audit_chain (org_id, seq, audit_id) VALUES ($1, 2, $2)', [org, id]);
    await migrate(db);
    await db.query(`INSERT INTO audit_log (org_id, type, actor_type, actor_name) VALUES ($1, 'retention.purged', 'system', 'r')`, [org]);
    await expect(sealAllAuditChains(db)).rejects.toThrow(/has no link 1/);
    expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_chain WHERE org_id = $1 AND hash IS NOT NULL', [org])).rows[0]!.n).toBe(0);
  } finally {
    await drop();
  }
});
