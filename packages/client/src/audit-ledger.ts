/**
 * The verifiable audit ledger: how an org's audit entries are chained and how an export is signed,
 * defined once for the server that writes the chain and for `greenlight audit verify`, which checks
 * an export offline.
 *
 * - An entry is an audit entry (`kind` "audit") or a decision on a request (`kind` "decision": a vote
 *   or a final decision, by a person, a key, an OAuth grant, a policy or a grant), in the order they
 *   were committed.
 * - Each entry's `hash` is SHA-256 (hex) of the UTF-8 bytes of `prev_hash` (hex) followed by the
 *   RFC 8785 (JCS) canonical JSON of the entry's hashed fields (ledgerEntryHash): `org_id`, `seq`, `id`,
 *   `type`, `actor`, `target`, `details`, `created_at`, and `kind` for a decision (an audit entry's hash
 *   leaves `kind` out, as exports made before decisions were chained did). The first entry of an org
 *   has the genesis `prev_hash`, 64 zeros. `seq` counts 1, 2, 3, … per org, with no gaps.
 * - An export is signed with Ed25519 over the JCS of its statement (the org, the range of `seq`, the
 *   `prev_hash` of the first entry and the `hash` of the last, the time of signing), so an entry cannot
 *   be dropped from either end nor the chain replaced without the signature failing.
 */
import { createHash, createPublicKey, verify as verifySignature, type JsonWebKey } from 'node:crypto';
import { canonicalize } from 'json-canonicalize';

export const LEDGER_FORMAT = 'greenlight-audit-ledger/1';
export const GENESIS_HASH = '0'.repeat(64);
/** Where a server publishes the public keys its exports are signed with (a JWK set). */
export const AUDIT_KEYS_PATH = '/.well-known/greenlight-audit-keys.json';

export interface LedgerActor {
  type: 'user' | 'connection' | 'system';
  id: string | null;
  name: string | null;
}

export type LedgerEntryKind = 'audit' | 'decision';

/** One entry of an export: the audit entry or decision, its place in the chain and its hash. */
export interface LedgerEntry {
  seq: number;
  /** Absent in exports made before decisions were chained: an audit entry. */
  kind?: LedgerEntryKind;
  id: string;
  type: string;
  actor: LedgerActor;
  target: { type: string; id: string } | null;
  details: Record<string, unknown>;
  created_at: string;
  prev_hash: string;
  hash: string;
}

export interface LedgerStatement {
  format: typeof LEDGER_FORMAT;
  org_id: string;
  from_seq: number;
  to_seq: number;
  first_prev_hash: string;
  last_hash: string;
  signed_at: string;
}

export interface LedgerDocument extends LedgerStatement {
  entries: LedgerEntry[];
  signature: { alg: 'EdDSA'; kid: string; value: string };
}

export interface AuditKeySet {
  keys: (JsonWebKey & { kid?: string })[];
}

/** The SHA-256 of one entry, chained to the one before it. */
export function ledgerEntryHash(orgId: string, prevHash: string, e: Omit<LedgerEntry, 'prev_hash' | 'hash'>): string {
  const hashed = { org_id: orgId, seq: e.seq, id: e.id, type: e.type, actor: e.actor, target: e.target, details: e.details, created_at: e.created_at };
  if (e.kind !== undefined && e.kind !== 'audit') Object.assign(hashed, { kind: e.kind });
  return createHash('sha256').update(prevHash + canonicalize(hashed), 'utf8').digest('hex');
}

/** The bytes an export's signature is over. */
export function statementBytes(s: LedgerStatement, kid: string): Buffer {
  const statement = {
    format: s.format,
    kid,
    org_id: s.org_id,
    from_seq: s.from_seq,
    to_seq: s.to_seq,
    first_prev_hash: s.first_prev_hash,
    last_hash: s.last_hash,
    signed_at: s.signed_at,
  };
  return Buffer.from(canonicalize(statement), 'utf8');
}

/** RFC 7638 thumbprint of an Ed25519 public key (the key id the server gives it). */
export function jwkThumbprint(jwk: { crv?: string | undefined; kty?: string | undefined; x?: string | undefined }): string {
  return createHash('sha256').update(canonicalize({ crv: jwk.crv, kty: jwk.kty, x: jwk.x }), 'utf8').digest('base64url');
}

export type VerifyResult =
  | { ok: true; entries: number; org_id: string; from_seq: number; to_seq: number; kid: string }
  | { ok: false; seq: number | null; problem: string };

const fail = (seq: number | null, problem: string): VerifyResult => ({ ok: false, seq, problem });

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What an entry says it is ("the decision 41, approval.approved on request …"), to find it in the file. */
function described(e: Record<string, unknown>): string {
  const target = isObject(e.target) && typeof e.target.id === 'string' ? e.target.id : null;
  if (e.kind === 'decision') return `the decision ${String(e.id)}, ${String(e.type)}${target ? ` on request ${target}` : ''}`;
  return `the audit entry ${String(e.id)}, ${String(e.type)}`;
}

/**
 * Checks an export: every entry's hash, the chain from the first to the last with no gap, the order,
 * and the signature over the range with a key of `keys`. Names the first entry that was altered,
 * removed or moved.
 */
export function verifyLedger(doc: unknown, keys: AuditKeySet): VerifyResult {
  if (!isObject(doc) || doc.format !== LEDGER_FORMAT) return fail(null, `not a Greenlight audit ledger export (format "${LEDGER_FORMAT}")`);
  const { org_id: orgId, from_seq: fromSeq, to_seq: toSeq, first_prev_hash: firstPrev, last_hash: lastHash, signed_at: signedAt } = doc;
  const entries = doc.entries;
  const signature = doc.signature;
  if (
    typeof orgId !== 'string' || !Number.isSafeInteger(fromSeq) || !Number.isSafeInteger(toSeq) || typeof firstPrev !== 'string' ||
    typeof lastHash !== 'string' || typeof signedAt !== 'string' || !Array.isArray(entries) || !isObject(signature) ||
    typeof signature.kid !== 'string' || typeof signature.value !== 'string'
  ) {
    return fail(null, 'the export is incomplete: org_id, from_seq, to_seq, first_prev_hash, last_hash, signed_at, entries and signature are required');
  }
  const statement = { format: LEDGER_FORMAT, org_id: orgId, from_seq: fromSeq as number, to_seq: toSeq as number, first_prev_hash: firstPrev, last_hash: lastHash, signed_at: signedAt } as const;

  // The signature first: it is what makes the range, its ends and the org trustworthy.
  const jwk = keys.keys.find((k) => k.kid === signature.kid);
  if (!jwk) return fail(null, `the export is signed with key "${signature.kid}", which is not among the trusted keys`);
  let signed: boolean;
  try {
    signed = verifySignature(null, statementBytes(statement, signature.kid), createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(signature.value, 'base64url'));
  } catch {
    signed = false;
  }
  if (!signed) return fail(null, `the signature does not verify with key "${signature.kid}": the range, its ends or the org were changed, or another key signed it`);

  // Which entries are there at all: an entry missing where expected was removed, or moved further on.
  const present = new Set((entries as unknown[]).map((raw) => (isObject(raw) ? raw.seq : undefined)));
  let expectedSeq = statement.from_seq;
  let prev = statement.first_prev_hash;
  for (const raw of entries as unknown[]) {
    if (!isObject(raw) || !Number.isSafeInteger(raw.seq)) return fail(expectedSeq, `entry ${expectedSeq} is not an entry (no seq)`);
    const e = raw as unknown as LedgerEntry;
    const about = `: ${described(raw)}`;
    if (e.seq > statement.to_seq) return fail(e.seq, `entry ${e.seq} is past the signed range (to ${statement.to_seq}): added${about}`);
    if (e.seq > expectedSeq) {
      return present.has(expectedSeq)
        ? fail(e.seq, `entry ${e.seq} is out of order (found where entry ${expectedSeq} belongs): reordered${about}`)
        : fail(expectedSeq, `entry ${expectedSeq} was removed (the next entry is ${e.seq})`);
    }
    if (e.seq < expectedSeq) return fail(e.seq, `entry ${e.seq} is out of order (found where entry ${expectedSeq} belongs): reordered${about}`);
    if (e.kind !== undefined && e.kind !== 'audit' && e.kind !== 'decision') return fail(e.seq, `entry ${e.seq} has an unknown kind${about}`);
    if (e.prev_hash !== prev) return fail(e.seq, `entry ${e.seq} does not follow the entry before it (prev_hash differs): an entry before it was altered, removed or reordered${about}`);
    let hash: string;
    try {
      hash = ledgerEntryHash(statement.org_id, prev, e);
    } catch {
      return fail(e.seq, `entry ${e.seq} cannot be read`);
    }
    if (hash !== e.hash) return fail(e.seq, `entry ${e.seq} was altered (its content does not match its hash)${about}`);
    prev = e.hash;
    expectedSeq += 1;
  }
  if (expectedSeq <= statement.to_seq) return fail(expectedSeq, `entry ${expectedSeq} was removed (the signed range ends at ${statement.to_seq})`);
  if (prev !== statement.last_hash) return fail(statement.to_seq, `entry ${statement.to_seq} does not match the signed last hash`);
  return { ok: true, entries: entries.length, org_id: statement.org_id, from_seq: statement.from_seq, to_seq: statement.to_seq, kid: signature.kid };
}
