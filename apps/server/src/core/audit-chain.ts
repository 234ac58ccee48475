/**
 * The one placer and hasher of the audit chain (audit_chain, audit_chain_heads; its links are written by
 * storage/functions/audit_chain_place.sql) and the one writer of the ledger's signing keys. The hashing rule itself lives in @greenlight/client/audit-ledger, shared with
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

/** An audit row as stored (modules/audit reads the same, with its type narrowed to the contract's list). */
export interface ChainSource {
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

/** A decision as its link keeps it (storage/functions/events_chain_decision.sql writes it). */
type DecisionContent = Omit<LedgerEntry, 'seq' | 'kind' | 'prev_hash' | 'hash'>;

const ENTRY_COLUMNS = 'a.id::text AS id, a.type, a.actor_type, a.actor_id, a.actor_name, a.target_type, a.target_id, a.details, a.created_at';

type LinkRow = Partial<ChainSource> & { link_id: string; seq: number; decision: DecisionContent | null };

/** A link's entry, as hashed and exported: a decision as its link keeps it, or the audit row. */
const entryOf = (r: LinkRow): Omit<LedgerEntry, 'prev_hash' | 'hash'> =>
  r.decision ? { seq: r.seq, kind: 'decision', ...r.decision } : { seq: r.seq, kind: 'audit', ...ledgerFields(r as ChainSource) };

const LINK_SELECT = `SELECT c.id::text AS link_id, c.seq::integer AS seq, c.decision, c.prev_hash, c.hash, ${ENTRY_COLUMNS}
                       FROM audit_chain c LEFT JOIN audit_log a ON a.id = c.audit_id`;

/**
 * Places and hashes the org's links not yet hashed, onto the last hashed one: the one placer and
 * hasher of the chain. A link is written unplaced (no seq, no lock) by the statement that writes its
 * audit entry or decision (storage/functions/audit_chain_place.sql); here, under the org's head row
 * lock, each takes the next seq in the order the links were written, and its hash, which depends only
 * on what is before it. Called whenever the chain is next read or written: recordAudit in its own
 * transaction, the export before it reads, the server at start. The head row is locked (`FOR UPDATE`)
 * first and the links read in a later statement, so every link committed while this waited is placed
 * (READ COMMITTED takes a snapshot per statement); one committed later waits for the next seal. Links
 * placed when they were written (before placing moved here) and not hashed yet keep their seq and come
 * first.
 */
export async function sealAuditChain(tx: Queryable, orgId: string): Promise<number> {
  const lockHead = () =>
    tx.query<{ seq: string; sealed_seq: string; hash: string }>('SELECT seq::text AS seq, sealed_seq::text AS sealed_seq, hash FROM audit_chain_heads WHERE org_id = $1 FOR UPDATE', [orgId]);
  let head = (await lockHead()).rows[0];
  if (!head) {
    // The org's first link: its head row is made here, by the placer, rather than by each writer.
    await tx.query('INSERT INTO audit_chain_heads (org_id) VALUES ($1) ON CONFLICT (org_id) DO NOTHING', [orgId]);
    head = (await lockHead()).rows[0]!;
  }
  // seq is null for a link not placed yet.
  const { rows } = await tx.query<Omit<LinkRow, 'seq'> & { seq: number | null }>(`${LINK_SELECT} WHERE c.org_id = $1 AND c.hash IS NULL ORDER BY c.seq NULLS LAST, c.id`, [orgId]);
  if (rows.length === 0) return 0;
  let seq = Number(head.sealed_seq);
  let prev = head.hash;
  const ids: string[] = [];
  const seqs: number[] = [];
  const prevs: string[] = [];
  const hashes: string[] = [];
  for (const r of rows) {
    // Fails closed: a gap among the links placed before would be hashed over, hiding it; an unplaced
    // link goes right after the last placed one.
    if (r.seq === null ? seq < Number(head.seq) : r.seq !== seq + 1) throw new Error(`the audit chain of org ${orgId} has no link ${seq + 1}`);
    seq += 1;
    const hash = ledgerEntryHash(orgId, prev, entryOf({ ...r, seq }));
    ids.push(r.link_id);
    seqs.push(seq);
    prevs.push(prev);
    hashes.push(hash);
    prev = hash;
  }
  if (seq < Number(head.seq)) throw new Error(`the audit chain of org ${orgId} ends at ${seq}, its head says ${head.seq}`);
  await tx.query(
    `WITH hashed AS (
       UPDATE audit_chain c SET seq = u.s, prev_hash = u.p, hash = u.h FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::text[]) AS u (id, s, p, h)
        WHERE c.id = u.id AND c.org_id = $1 AND c.hash IS NULL)
     UPDATE audit_chain_heads SET seq = $6, sealed_seq = $6, hash = $7 WHERE org_id = $1`,
    [orgId, ids, seqs, prevs, hashes, seq, prev],
  );
  return rows.length;
}

/** Places and hashes every org's links not yet hashed (at start-up: links written by a process that stopped before). */
export async function sealAllAuditChains(db: Database): Promise<number> {
  const { rows } = await db.query<{ org_id: string }>('SELECT DISTINCT org_id FROM audit_chain WHERE hash IS NULL');
  let chained = 0;
  for (const { org_id } of rows) chained += await db.transaction((tx) => sealAuditChain(tx, org_id));
  return chained;
}

export interface ChainHead {
  seq: number;
  hash: string;
}

/** Hashes what is placed and answers the org's head: what an export up to now covers. */
export async function currentAuditHead(db: Database, orgId: string): Promise<ChainHead> {
  return db.transaction(async (tx) => {
    await sealAuditChain(tx, orgId);
    const head = (await tx.query<{ seq: string; hash: string }>('SELECT sealed_seq::text AS seq, hash FROM audit_chain_heads WHERE org_id = $1', [orgId])).rows[0];
    return head ? { seq: Number(head.seq), hash: head.hash } : { seq: 0, hash: GENESIS_HASH };
  });
}

/** The hash that entry `seq` chains to (genesis before the first). */
export async function prevHashOf(db: Queryable, orgId: string, seq: number): Promise<string> {
  if (seq <= 1) return GENESIS_HASH;
  const { rows } = await db.query<{ hash: string }>('SELECT hash FROM audit_chain WHERE org_id = $1 AND seq = $2', [orgId, seq - 1]);
  return rows[0]?.hash ?? GENESIS_HASH;
}

/** Hashed entries `fromSeq`..`toSeq` of the org's chain, audit entries and decisions, in order, at most `limit`. */
export async function readLedgerEntries(db: Queryable, orgId: string, fromSeq: number, toSeq: number, limit: number): Promise<LedgerEntry[]> {
  const { rows } = await db.query<LinkRow & { prev_hash: string; hash: string }>(
    `${LINK_SELECT} WHERE c.org_id = $1 AND c.seq BETWEEN $2 AND $3 AND c.hash IS NOT NULL ORDER BY c.seq LIMIT $4`,
    [orgId, fromSeq, toSeq, limit],
  );
  return rows.map((r) => ({ ...entryOf(r), prev_hash: r.prev_hash, hash: r.hash }));
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
    return again ?? (await insertSigningKey(tx));
  });
}

/** A new Ed25519 key, its private half sealed (security/sealed.ts), its public half a JWK named by its RFC 7638 thumbprint. */
async function insertSigningKey(tx: Queryable): Promise<SigningKeyRow> {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' });
  const kid = jwkThumbprint(jwk);
  const sealed = secretKeys().seal(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
  const publicJwk = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, kid, alg: 'EdDSA', use: 'sig' };
  await tx.query('INSERT INTO audit_signing_keys (kid, public_jwk, private_key) VALUES ($1, $2::jsonb, $3)', [kid, JSON.stringify(publicJwk), sealed]);
  return { kid, private_key: sealed };
}

/**
 * Rotates the ledger's signing key (`greenlight-admin audit rotate-key`): a new key signs every export
 * from now on; the keys before it are retired (they sign nothing more) and stay published, so the
 * exports they signed still verify. Answers the new key id and the retired ones.
 */
export async function rotateAuditSigningKey(db: Database): Promise<{ kid: string; retired: string[] }> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LEDGER_KEY_LOCK]);
    const { rows } = await tx.query<{ kid: string }>('UPDATE audit_signing_keys SET retired_at = now() WHERE retired_at IS NULL RETURNING kid');
    const key = await insertSigningKey(tx);
    return { kid: key.kid, retired: rows.map((r) => r.kid).sort() };
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
