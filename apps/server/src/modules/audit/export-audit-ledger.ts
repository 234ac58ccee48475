import express, { type Router } from 'express';
import { AUDIT_LEDGER_MAX_ENTRIES, type AuditLedger, type Routes } from '@greenlight/contract';
import { AUDIT_KEYS_PATH } from '@greenlight/client/audit-ledger';
import type { AppDeps, Handler } from '../../context.ts';
import { ApiError } from '../../errors.ts';
import { auditKeySet, currentAuditHead, prevHashOf, readLedgerEntries, signLedger } from '../../core/audit-chain.ts';

const rangeError = (message: string, path: string) =>
  new ApiError('VALIDATION_ERROR', message, { location: 'query', issues: [{ path, code: 'custom', message }] });

/** `GET /api/v1/audit-log/ledger`: a signed range of the org's chain (entries queued until now are chained first). */
export const exportAuditLedger: Handler<Routes['exportAuditLedger']> = async ({ query, auth, deps }) => {
  const orgId = auth.org.id;
  const head = await currentAuditHead(deps.db, orgId);
  const fromSeq = query.from_seq;
  const toSeq = Math.min(query.to_seq ?? fromSeq + AUDIT_LEDGER_MAX_ENTRIES - 1, head.seq);
  if (query.to_seq !== undefined && query.to_seq < fromSeq) throw rangeError('to_seq is before from_seq', 'to_seq');
  if (fromSeq > head.seq + 1) throw rangeError(`from_seq is past the last entry (${head.seq})`, 'from_seq');
  if (toSeq - fromSeq + 1 > AUDIT_LEDGER_MAX_ENTRIES) throw rangeError(`one export carries at most ${AUDIT_LEDGER_MAX_ENTRIES} entries`, 'to_seq');
  const firstPrev = await prevHashOf(deps.db, orgId, fromSeq);
  // Rows of audit_log, whose type column holds only the contract's audit types.
  const entries = toSeq >= fromSeq ? await readLedgerEntries(deps.db, orgId, fromSeq, toSeq, AUDIT_LEDGER_MAX_ENTRIES) : [];
  const lastHash = entries.length > 0 ? entries[entries.length - 1]!.hash : firstPrev;
  const { statement, signature } = await signLedger(deps.db, { org_id: orgId, from_seq: fromSeq, to_seq: Math.max(toSeq, fromSeq - 1), first_prev_hash: firstPrev, last_hash: lastHash });
  return { status: 200, body: { ...statement, entries: entries as AuditLedger['entries'], signature } };
};

/** The public keys of the ledger's signatures, for anyone (an auditor has no account): a JWK set, old keys kept. */
export function auditKeysRouter(deps: AppDeps): Router {
  const router = express.Router();
  router.get(AUDIT_KEYS_PATH, async (_req, res, next) => {
    try {
      res.set('Cache-Control', 'public, max-age=300').json(await auditKeySet(deps.db));
    } catch (err) {
      next(err);
    }
  });
  return router;
}
