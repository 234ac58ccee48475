import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { DELIVERY_SELECT, toDelivery, type DeliveryRow } from './serialize-delivery.ts';

/** The delivery log of the org, newest first, each delivery with every attempt made. */
export const listDeliveries: Handler<Routes['listDeliveries']> = async ({ query, auth, deps }) => {
  // Notifications' internal `notify` rows and account emails (no event) are not the org's delivery log.
  const where = `d.org_id = $1 AND d.target <> 'notify' AND d.event_id IS NOT NULL AND ($2::uuid IS NULL OR d.approval_id = $2) AND ($3::uuid IS NULL OR d.subscription_id = $3)
                 AND ($4::text IS NULL OR d.status = $4)`;
  const params = [auth.org.id, query.approval_id ?? null, query.subscription_id ?? null, query.status ?? null];
  const [{ rows }, { rows: total }] = await Promise.all([
    deps.db.query<DeliveryRow>(`${DELIVERY_SELECT} WHERE ${where} ORDER BY d.seq DESC LIMIT $5 OFFSET $6`, [
      ...params,
      query.page_size,
      (query.page - 1) * query.page_size,
    ]),
    deps.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries d WHERE ${where}`, params),
  ]);
  const n = total[0]!.n;
  return {
    status: 200,
    body: {
      data: rows.map(toDelivery),
      pagination: { page: query.page, page_size: query.page_size, total: n, total_pages: Math.ceil(n / query.page_size) },
    },
  };
};
