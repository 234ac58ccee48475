import { once } from 'node:events';
import type { Response } from 'express';
import { AUDIT_CSV_COLUMNS, type AuditEntry, type Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { readAuditEntries, toAuditEntry } from './audit-entries.ts';

const BATCH = 500;

/**
 * One CSV field (RFC 4180): quoted when it holds a quote, comma or line break. A text cell that a
 * spreadsheet would run as a formula (=, +, -, @, tab, CR first: OWASP "CSV injection") gets a
 * leading apostrophe; names and descriptions in the log come from other people.
 */
export function csvField(value: string | null): string {
  if (value === null) return '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export const csvRow = (e: AuditEntry) =>
  [e.id, e.created_at, e.type, e.actor.type, e.actor.id, e.actor.name, e.target?.type ?? null, e.target?.id ?? null, JSON.stringify(e.details)]
    .map(csvField)
    .join(',') + '\r\n';

async function write(res: Response, chunk: string): Promise<void> {
  if (!res.write(chunk)) await once(res, 'drain');
}

/** `GET /api/v1/audit-log/export`: every matching entry, oldest first, read in batches so memory stays flat. */
export const exportAuditLog: Handler<Routes['exportAuditLog']> = async ({ query, auth, deps }) => ({
  status: 200,
  stream: async (res) => {
    const csv = query.format === 'csv';
    res.status(200);
    res.set({
      'Content-Type': csv ? 'text/csv; charset=utf-8' : 'application/jsonl; charset=utf-8',
      'Content-Disposition': `attachment; filename="audit-log.${query.format}"`,
      'Cache-Control': 'no-store',
    });
    if (csv) await write(res, AUDIT_CSV_COLUMNS.join(',') + '\r\n');
    let from: string | null = null;
    for (;;) {
      const rows = await readAuditEntries(deps.db, auth.org.id, query, { order: 'asc', from, limit: BATCH });
      if (rows.length > 0) await write(res, rows.map((r) => (csv ? csvRow(toAuditEntry(r)) : JSON.stringify(toAuditEntry(r)) + '\n')).join(''));
      if (rows.length < BATCH || res.destroyed) break;
      from = rows[rows.length - 1]!.id;
    }
    res.end();
  },
});
