import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { DELIVERY_SELECT, IN_DELIVERY_LOG, toDelivery, type DeliveryRow } from './serialize-delivery.ts';

/** The delivery log of the org, newest first, each delivery with every attempt made. */
export const listDeliveries: Handler<Routes['listDeliveries']> = async ({ query, auth, deps }) => {
  // A subscription's rows are the webhook channel's that name it (their index: storage/migrations/050_typed_outbox.sql).
  const where = `d.org_id = $1 AND ${IN_DELIVERY_LOG} AND ($2::uuid IS NULL OR d.approval_id = $2)
                 AND ($3::uuid IS NULL OR (d.channel = 'webhook' AND d.kind = 'subscription' AND (d.payload ->> 'subscription_id')::uuid = $3))
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
      data: rows.map((r) => toDelivery(deps.channels, r, auth)),
      pagination: { page: query.page, page_size: query.page_size, total: n, total_pages: Math.ceil(n / query.page_size) },
    },
  };
};
