import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { decodeAuditCursor, encodeAuditCursor, readAuditEntries, toAuditEntry } from './audit-entries.ts';

/** `GET /api/v1/audit-log`: newest first, by cursor (an entry's id only grows, so pages never skip or repeat). */
export const listAuditLog: Handler<Routes['listAuditLog']> = async ({ query, auth, deps }) => {
  const from = query.page_token === undefined ? null : decodeAuditCursor(query.page_token);
  const rows = await readAuditEntries(deps.db, auth.org.id, query, { order: 'desc', from, limit: query.page_size + 1 });
  const page = rows.slice(0, query.page_size);
  const more = rows.length > query.page_size;
  return {
    status: 200,
    body: { data: page.map(toAuditEntry), next_page_token: more ? encodeAuditCursor(page[page.length - 1]!.id) : null },
  };
};
