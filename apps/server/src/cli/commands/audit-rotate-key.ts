import { z } from 'zod';
import type { Database } from '../../storage/database.ts';
import { rotateAuditSigningKey } from '../../core/audit-chain.ts';
import { AUDIT_KEYS_PATH } from '@greenlight/client/audit-ledger';
import { Json } from '../args.ts';
import { ok, type CliResult } from '../result.ts';

export const AuditRotateKeyArgs = z.object({ json: Json });
export type AuditRotateKeyArgs = z.output<typeof AuditRotateKeyArgs>;

/**
 * `audit rotate-key`: a new Ed25519 key signs the audit ledger's exports from now on; the old ones are
 * retired and stay published at the well-known URL, so exports they signed still verify.
 */
export async function auditRotateKeyCommand(db: Database, args: AuditRotateKeyArgs): Promise<CliResult> {
  const { kid, retired } = await rotateAuditSigningKey(db);
  if (args.json) return ok(JSON.stringify({ kid, retired }));
  return ok(
    `New audit signing key: ${kid}\n` +
      (retired.length > 0 ? `Retired (still published for older exports): ${retired.join(', ')}\n` : '') +
      `Auditors should fetch ${AUDIT_KEYS_PATH} again from a source they trust.`,
  );
}
