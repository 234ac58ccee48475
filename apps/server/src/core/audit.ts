import type { AuditEventType } from '@greenlight/contract';
import type { Queryable } from '../storage/database.ts';
import { sealAuditChain } from './audit-chain.ts';

/**
 * Who did something recorded in the audit log: a person or a connection (by id; their current name
 * or email is kept with the entry), or Greenlight itself (`system`, named: `cli`, `delivery`, …).
 */
export type AuditActor = { type: 'user' | 'connection'; id: string } | { type: 'system'; name: string };

/** For work no person or credential asked for: tests, and domain functions called outside a request. */
export const SYSTEM_ACTOR: AuditActor = { type: 'system', name: 'greenlight' };
/** The admin CLI (`greenlight …`), which acts with no account of its own. */
export const CLI_ACTOR: AuditActor = { type: 'system', name: 'cli' };

/** The caller of a request as an audit actor. */
export const actorOf = (auth: { principal: { type: 'connection' | 'user'; id: string } }): AuditActor => ({
  type: auth.principal.type,
  id: auth.principal.id,
});

export interface AuditRecord {
  orgId: string;
  actor: AuditActor;
  type: AuditEventType;
  target?: { type: string; id: string } | null;
  details?: Record<string, unknown>;
}

/**
 * Appends one entry to the org audit log. Call it with the transaction that makes the change, so the
 * entry commits with it or not at all; the table refuses updates and deletes. Two SQL functions write
 * entries of this shape inside their own statement: greenlight_decide.sql (an admin override, a
 * delegate's vote) and greenlight_purge_closed.sql (retention).
 *
 * The entry takes its place in the org's hash chain in the same transaction (core/audit-chain.ts); the
 * org's chain head stays locked until the transaction ends.
 */
export async function recordAudit(tx: Queryable, entry: AuditRecord): Promise<void> {
  const actorId = entry.actor.type === 'system' ? null : entry.actor.id;
  await tx.query(
    `INSERT INTO audit_log (org_id, type, actor_type, actor_id, actor_name, target_type, target_id, details)
     VALUES ($1, $2, $3, $4::uuid,
             CASE $3 WHEN 'system' THEN $5
                     WHEN 'user' THEN (SELECT email FROM users WHERE id = $4::uuid)
                     ELSE (SELECT name FROM connections WHERE id = $4::uuid) END,
             $6, $7, $8::jsonb)`,
    [
      entry.orgId,
      entry.type,
      entry.actor.type,
      actorId,
      entry.actor.type === 'system' ? entry.actor.name : null,
      entry.target?.type ?? null,
      entry.target?.id ?? null,
      JSON.stringify(entry.details ?? {}),
    ],
  );
  await sealAuditChain(tx, entry.orgId);
}
