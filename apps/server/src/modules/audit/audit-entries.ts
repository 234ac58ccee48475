import type { AuditEntry, AuditEventType } from '@greenlight/contract';
import type { Queryable } from '../../storage/database.ts';
import { ApiError } from '../../errors.ts';
import { ledgerFields, type ChainSource } from '../../core/audit-chain.ts';

export type AuditRow = ChainSource & { type: AuditEventType };

export interface AuditFilters {
  actor_id?: string | undefined;
  type?: AuditEventType | undefined;
  since?: string | undefined;
  until?: string | undefined;
}

/** An entry as the API answers it: the fields the ledger hashes, one mapping for both. */
export const toAuditEntry = (r: AuditRow): AuditEntry => ({ ...ledgerFields(r), type: r.type });

/**
 * One batch of the org's entries matching `filters`, in id order, after (ascending) or before
 * (descending) the id `from`. Ids only grow, so a cursor of the last id read continues exactly.
 */
export async function readAuditEntries(
  db: Queryable,
  orgId: string,
  filters: AuditFilters,
  page: { order: 'asc' | 'desc'; from: string | null; limit: number },
): Promise<AuditRow[]> {
  const { rows } = await db.query<AuditRow>(
    `SELECT id::text AS id, type, actor_type, actor_id, actor_name, target_type, target_id, details, created_at
       FROM audit_log
      WHERE org_id = $1 AND ($2::uuid IS NULL OR actor_id = $2) AND ($3::text IS NULL OR type = $3)
        AND ($4::timestamptz IS NULL OR created_at >= $4) AND ($5::timestamptz IS NULL OR created_at < $5)
        AND ($6::bigint IS NULL OR ${page.order === 'asc' ? 'id > $6' : 'id < $6'})
      ORDER BY audit_log.id ${page.order === 'asc' ? 'ASC' : 'DESC'}
      LIMIT $7`,
    [orgId, filters.actor_id ?? null, filters.type ?? null, filters.since ?? null, filters.until ?? null, page.from, page.limit],
  );
  return rows;
}

const TOKEN_PREFIX = 'audit:';

export const encodeAuditCursor = (id: string) => Buffer.from(TOKEN_PREFIX + id).toString('base64url');

export function decodeAuditCursor(token: string): string {
  const text = Buffer.from(token, 'base64url').toString('utf8');
  const id = text.startsWith(TOKEN_PREFIX) ? text.slice(TOKEN_PREFIX.length) : '';
  if (!/^[1-9][0-9]{0,17}$/.test(id)) throw new ApiError('INVALID_PAGE_TOKEN', 'page_token is not one this list answered');
  return id;
}
