/**
 * The one writer of the audit chain (audit_chain, audit_chain_heads, audit_unchained) and of the
 * ledger's signing keys. The hashing rule itself lives in @greenlight/client/audit-ledger, shared with
 * the verifier.
 */
import { generateKeyPairSync, createPrivateKey, sign, type JsonWebKey } from 'node:crypto';
import {
  GENESIS_HASH,
  jwkThumbprint,
  LEDGER_FORMAT,
  ledgerEntryHash,
  statementBytes,
  type AuditKeySet,
  type LedgerEntry,
  type LedgerStatement,
} from '@greenlight/client/audit-ledger';
import type { Database, Queryable } from '../storage/database.ts';
import { secretKeys } from '../security/sealed.ts';

interface ChainSource {
  id: string;
  type: string;
  actor_type: 'user' | 'connection' | 'system';
  actor_id: string | null;
  actor_name: string | null;
  target_type: string | null;
  target_id: string | null;
  details: Record<string, unknown>;
  created_at: Date;
}

/** An audit row as the ledger hashes and exports it (the same fields as the API's AuditEntry). */
export const ledgerFields = (r: ChainSource) => ({
  id: r.id,
  type: r.type,
  actor: { type: r.actor_type, id: r.actor_id, name: r.actor_name },
  target: r.target_type && r.target_id ? { type: r.target_type, id: r.target_id } : null,
  details: r.details,
  created_at: r.created_at.toISOString(),
});

const ENTRY_COLUMNS = 'a.id::text AS id, a.type, a.actor_type, a.actor_id, a.actor_name, a.target_type, a.target_id, a.details, a.created_at';

/**
 * Chains the org's queued audit entries, in id order, onto its chain head. The head row is locked
 * (`FOR UPDATE`) until the transaction ends, so the org's writers take their turn and the chain never
 * forks; call it in the transaction that wrote the entries (recordAudit does), so an entry commits
 * with its place in the chain. Entries written by SQL functions are chained by the org's next call.
 */
export async function sealAuditChain(tx: Queryable, orgId: string): Promise<number> {
  await tx.query('INSERT INTO audit_chain_heads (org_id) VALUES ($1) ON CONFLICT (org_id) DO NOTHING', [orgId]);
  const head = (await tx.query<{ seq: string; hash: string }>('SELECT seq::text AS seq, hash FROM audit_chain_heads WHERE org_id = $1 FOR UPDATE', [orgId])).rows[0]!;
  const { rows } = await tx.query<ChainSource>(
    `WITH taken AS (DELETE FROM audit_unchained WHERE org_id = $1 RETURNING audit_id)
     SELECT ${ENTRY_COLUMNS} FROM audit_log a JOIN taken t ON t.audit_id = a.id ORDER BY a.id`,
    [orgId],
  );
  if (rows.length === 0) return 0;
  let seq = Number(head.seq);
  let prev = head.hash;
  const seqs: number[] = [];
  const ids: string[] = [];
  const prevs: string[] = [];
  const hashes: string[] = [];
  for (const r of rows) {
    seq += 1;
    const hash = ledgerEntryHash(orgId, prev, { seq, ...ledgerFields(r) });
    seqs.push(seq);
    ids.push(r.id);
    prevs.push(prev);
    hashes.push(hash);
    prev = hash;
  }
  await tx.query(
    `INSERT INTO audit_chain (org_id, seq, audit_id, prev_hash, hash)
     SELECT $1, s, i, p, h FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::text[]) AS u (s, i, p, h)`,
    [orgId, seqs, ids, prevs, hashes],
  );
  await tx.query('UPDATE audit_chain_heads SET seq = $2, hash = $3 WHERE org_id = $1', [orgId, seq, prev]);
  return rows.length;
}

/** Chains every org's queued entries (at start-up: the log written before the ledger, and any left). */
export async function sealAllAuditChains(db: Database): Promise<number> {
  const { rows } = await db.query<{ org_id: string }>('SELECT DISTINCT org_id FROM audit_unchained');
  let chained = 0;
  for (const { org_id } of rows) chained += await db.transaction((tx) => sealAuditChain(tx, org_id));
  return chained;
}

export interface ChainHead {
  seq: number;
  hash: string;
}

/** Chains what is queued and answers the org's head: what an export up to now covers. */
export async function currentAuditHead(db: Database, orgId: string): Promise<ChainHead> {
  return db.transaction(async (tx) => {
    await sealAuditChain(tx, orgId);
    const head = (await tx.query<{ seq: string; hash: string }>('SELECT seq::text AS seq, hash FROM audit_chain_heads WHERE org_id = $1', [orgId])).rows[0]!;
    return { seq: Number(head.seq), hash: head.hash };
  });
}

/** The hash that entry `seq` chains to (genesis before the first). */
export async function prevHashOf(db: Queryable, orgId: string, seq: number): Promise<string> {
  if (seq <= 1) return GENESIS_HASH;
  const { rows } = await db.query<{ hash: string }>('SELECT hash FROM audit_chain WHERE org_id = $1 AND seq = $2', [orgId, seq - 1]);
  return rows[0]?.hash ?? GENESIS_HASH;
}

/** Entries `fromSeq`..`toSeq` of the org's chain, in order, at most `limit`. */
export async function readLedgerEntries(db: Queryable, orgId: string, fromSeq: number, toSeq: number, limit: number): Promise<LedgerEntry[]> {
  const { rows } = await db.query<ChainSource & { seq: number; prev_hash: string; hash: string }>(
    `SELECT c.seq::integer AS seq, c.prev_hash, c.hash, ${ENTRY_COLUMNS}
       FROM audit_chain c JOIN audit_log a ON a.id = c.audit_id
      WHERE c.org_id = $1 AND c.seq BETWEEN $2 AND $3 ORDER BY c.seq LIMIT $4`,
    [orgId, fromSeq, toSeq, limit],
  );
  return rows.map((r) => ({ seq: r.seq, ...ledgerFields(r), prev_hash: r.prev_hash, hash: r.hash }));
}

interface SigningKeyRow {
  kid: string;
  private_key: string;
}

const LEDGER_KEY_LOCK = 7215094;

/** The key that signs exports: the newest unretired one, made (and sealed) on first need. */
async function currentSigningKey(db: Database): Promise<SigningKeyRow> {
  const newest = 'SELECT kid, private_key FROM audit_signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC, kid LIMIT 1';
  const found = (await db.query<SigningKeyRow>(newest)).rows[0];
  if (found) return found;
  return db.transaction(async (tx) => {
    // Replicas starting together make one key, not one each.
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LEDGER_KEY_LOCK]);
    const again = (await tx.query<SigningKeyRow>(newest)).rows[0];
    if (again) return again;
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const jwk = publicKey.export({ format: 'jwk' });
    const kid = jwkThumbprint(jwk);
    const sealed = secretKeys().seal(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
    const publicJwk = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, kid, alg: 'EdDSA', use: 'sig' };
    await tx.query('INSERT INTO audit_signing_keys (kid, public_jwk, private_key) VALUES ($1, $2::jsonb, $3)', [kid, JSON.stringify(publicJwk), sealed]);
    return { kid, private_key: sealed };
  });
}

/** Every key exports were ever signed with, as a JWK set (retired ones too: old exports stay checkable). */
export async function auditKeySet(db: Database): Promise<AuditKeySet> {
  await currentSigningKey(db);
  const { rows } = await db.query<{ public_jwk: JsonWebKey & { kid: string } }>('SELECT public_jwk FROM audit_signing_keys ORDER BY created_at, kid');
  return { keys: rows.map((r) => r.public_jwk) };
}

/** Signs the statement of an export of entries `fromSeq`..`toSeq`. */
export async function signLedger(
  db: Database,
  s: Omit<LedgerStatement, 'format' | 'signed_at'>,
): Promise<{ statement: LedgerStatement; signature: { alg: 'EdDSA'; kid: string; value: string } }> {
  const key = await currentSigningKey(db);
  const statement: LedgerStatement = { format: LEDGER_FORMAT, ...s, signed_at: new Date().toISOString() };
  const privateKey = createPrivateKey(secretKeys().open(key.private_key));
  const value = sign(null, statementBytes(statement, key.kid), privateKey).toString('base64url');
  return { statement, signature: { alg: 'EdDSA', kid: key.kid, value } };
}
