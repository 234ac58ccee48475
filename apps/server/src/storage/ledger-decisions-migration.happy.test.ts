/**
 * Migration 100 upgrades an audit chain in place: links already hashed keep their hashes, entries
 * that were queued for the chain are placed after them in id order, hashed at the next seal, and the
 * org's chain goes on with decisions from then on, all verifying as one chain.
 */
import { expect, it } from 'vitest';
import { GENESIS_HASH, ledgerEntryHash } from '@greenlight/client/audit-ledger';
import { migrationNames, openMigratedBefore } from '../testing/migrated-before.ts';
import { migrate } from './migrate.ts';
import { currentAuditHead, readLedgerEntries, sealAllAuditChains } from '../core/audit-chain.ts';

it('keeps the hashed links, places the queued entries after them, and the chain goes on with decisions', async () => {
  // The schema as it was before migration 100.
  const { db, drop } = await openMigratedBefore('100');
  try {
    const org = (await db.query<{ id: string }>(`INSERT INTO orgs (slug, name) VALUES ('old', 'Old') RETURNING id`)).rows[0]!.id;
    const entry = (n: number) =>
      db.query<{ id: string; created_at: Date }>(
        `INSERT INTO audit_log (org_id, type, actor_type, actor_name, details) VALUES ($1, 'retention.purged', 'system', 'retention', $2::jsonb) RETURNING id::text AS id, created_at`,
        [org, JSON.stringify({ requests: n })],
      );
    // One entry chained by the code before (the same hashing rule), two queued.
    const first = (await entry(1)).rows[0]!;
    const fields = { seq: 1, id: first.id, type: 'retention.purged', actor: { type: 'system' as const, id: null, name: 'retention' }, target: null, details: { requests: 1 }, created_at: first.created_at.toISOString() };
    const firstHash = ledgerEntryHash(org, GENESIS_HASH, fields);
    await db.query('INSERT INTO audit_chain_heads (org_id, seq, hash) VALUES ($1, 1, $2)', [org, firstHash]);
    await db.query('INSERT INTO audit_chain (org_id, seq, audit_id, prev_hash, hash) VALUES ($1, 1, $2, $3, $4)', [org, first.id, GENESIS_HASH, firstHash]);
    const queued = [(await entry(2)).rows[0]!.id, (await entry(3)).rows[0]!.id];
    await db.query('INSERT INTO audit_unchained (audit_id, org_id) SELECT unnest($1::bigint[]), $2', [queued, org]);

    // 100 first, and whatever came after it.
    expect(await migrate(db)).toEqual(migrationNames().filter((f) => f >= '100'));
    expect(await sealAllAuditChains(db)).toBe(2);
    // A decision after the upgrade: placed by the events trigger, hashed by the next seal.
    const approval = (await db.query<{ id: string }>(
      `INSERT INTO approvals (org_id, requested_by_type, title, description, priority) VALUES ($1, 'system', 'After', '', 'low') RETURNING id`,
      [org],
    )).rows[0]!.id;
    await db.query(
      `INSERT INTO events (org_id, approval_id, type, actor_type, actor_name, from_status, to_status, data)
       VALUES ($1, $2, 'approval.approved', 'system', 'policy p1', 'pending', 'approved', '{"decision":"approve","comment":"ok","reason":"policy","policy":{"id":"p1","version":1}}')`,
      [org, approval],
    );
    const head = await currentAuditHead(db, org);
    expect(head.seq).toBe(4);
    const entries = await readLedgerEntries(db, org, 1, 4, 10);
    expect(entries.map((e) => [e.seq, e.kind, e.kind === 'audit' ? e.details.requests : e.type])).toEqual([
      [1, 'audit', 1],
      [2, 'audit', 2],
      [3, 'audit', 3],
      [4, 'decision', 'approval.approved'],
    ]);
    expect(entries[0]!.hash).toBe(firstHash);
    let prev = GENESIS_HASH;
    for (const e of entries) {
      expect(e.prev_hash).toBe(prev);
      expect(ledgerEntryHash(org, prev, e)).toBe(e.hash);
      prev = e.hash;
    }
    expect(entries[3]!.details).toMatchObject({ decider: { kind: 'policy', id: 'p1', name: 'policy p1' }, request_id: approval, comment: 'ok' });
    expect((await db.query(`SELECT to_regclass('audit_unchained') AS t`)).rows[0]).toEqual({ t: null });
  } finally {
    await drop();
  }
});
