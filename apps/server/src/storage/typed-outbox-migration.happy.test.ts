/**
 * Migration 050 turns the outbox's rows told apart by URL prefixes into typed rows, in place: a
 * database with one row of every former target, pending, is migrated, and every row keeps its id,
 * status and schedule, names its channel and kind, and carries a payload its channel's schema reads.
 */
import { expect, it } from 'vitest';
import { openMigratedBefore } from '../testing/migrated-before.ts';
import { migrate } from './migrate.ts';
import { WEBHOOK } from '../channels/webhook/webhook-channel.ts';
import { EMAIL } from '../channels/email/email-channel.ts';
import { SLACK } from '../channels/slack/slack-channel.ts';
import { NOTIFY } from '../notify/notify-spec.ts';
import type { ChannelSpec } from '../delivery/outbox/channel.ts';

const SPECS: Record<string, ChannelSpec> = { webhook: WEBHOOK, email: EMAIL, slack: SLACK, notify: NOTIFY };

it('converts every pending row of every former target to its channel, kind and payload, losing none', async () => {
  // The schema as it was before migration 050.
  const { db, drop } = await openMigratedBefore('050');
  try {
    const { rows: ids } = await db.query<{ org: string; user_id: string; approval: string; event: string; sub: string; message: string }>(
      `WITH o AS (INSERT INTO orgs (slug, name) VALUES ('old', 'Old') RETURNING id),
            u AS (INSERT INTO users (email) VALUES ('alice@example.test') RETURNING id),
            a AS (INSERT INTO approvals (org_id, requested_by_type, title, description, priority, callback_url)
                  SELECT o.id, 'system', 'Old request', '', 'low', 'https://hooks.example.test/cb' FROM o RETURNING id, org_id),
            e AS (INSERT INTO events (org_id, approval_id, type, actor_type) SELECT a.org_id, a.id, 'approval.created', 'system' FROM a RETURNING id),
            s AS (INSERT INTO webhook_subscriptions (org_id, url, events, secret, created_by_type)
                  SELECT o.id, 'https://hooks.example.test/sub', '{approval.created}', 'whsec_x', 'user' FROM o RETURNING id)
       SELECT o.id AS org, u.id AS user_id, a.id AS approval, e.id::text AS event, s.id AS sub, gen_random_uuid() AS message FROM o, u, a, e, s`,
    );
    const r = ids[0]!;
    const old = (target: string, url: string, extra: Record<string, unknown> = {}) =>
      db.query(
        `INSERT INTO deliveries (event_id, org_id, approval_id, event_type, target, url, subscription_id, recipient_user_id, message, headers)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
        [
          'event_id' in extra ? extra.event_id : r.event,
          r.org,
          'approval_id' in extra ? extra.approval_id : r.approval,
          extra.event_type ?? 'approval.created',
          target,
          url,
          extra.subscription_id ?? null,
          extra.recipient ?? null,
          extra.message ?? null,
          JSON.stringify(extra.headers ?? {}),
        ],
      );
    await old('callback', 'https://hooks.example.test/cb', { headers: { 'X-Token': 'abc' } });
    await old('subscription', 'https://hooks.example.test/sub', { subscription_id: r.sub });
    await old('notify', 'notify:approval.created');
    await old('email', 'mailto:alice@example.test', { recipient: r.user_id, message: 'approval_request' });
    await old('email', 'mailto:alice@example.test', { recipient: r.user_id, message: 'reminder', event_id: null, event_type: 'reminder' });
    await old('email', 'mailto:alice@example.test', { recipient: r.user_id, message: 'sign_in_link', event_id: null, approval_id: null, event_type: 'sign_in_link', headers: 'v1.sealed-token' });
    await old('slack', 'slack:channel:#ops');
    await old('slack', 'slack:dm:alice@example.test', { recipient: r.user_id });
    const { rows: posted } = await db.query<{ id: string }>(`SELECT id FROM deliveries WHERE url = 'slack:channel:#ops'`);
    await db.query(`INSERT INTO slack_messages (id, org_id, approval_id, delivery_id, channel, ts) VALUES ($1, $2, $3, $4, 'C1', '1.0001')`, [
      r.message,
      r.org,
      r.approval,
      posted[0]!.id,
    ]);
    await old('slack_update', `slack-message:${r.message}`);
    const { rows: before } = await db.query<{ id: string; status: string; next_attempt_at: Date }>('SELECT id, status, next_attempt_at FROM deliveries ORDER BY seq');

    // 050 first; the migrations written after it follow in the same run.
    expect((await migrate(db))[0]).toBe('050_typed_outbox.sql');

    const { rows: after } = await db.query<{
      id: string;
      status: string;
      next_attempt_at: Date;
      channel: string;
      kind: string;
      payload: unknown;
      sealed: unknown;
      dedupe_key: string | null;
      event_type: string | null;
    }>('SELECT id, status, next_attempt_at, channel, kind, payload, sealed, dedupe_key, event_type FROM deliveries ORDER BY seq');
    expect(after.map((d) => ({ id: d.id, status: d.status, next_attempt_at: d.next_attempt_at }))).toEqual(before);
    expect(after.map((d) => [d.channel, d.kind, d.payload, d.dedupe_key])).toEqual([
      ['webhook', 'callback', { url: 'https://hooks.example.test/cb' }, null],
      ['webhook', 'subscription', { url: 'https://hooks.example.test/sub', subscription_id: r.sub }, null],
      ['notify', 'approval_request', {}, null],
      ['email', 'approval_request', {}, `approval_request:${r.approval}:${r.user_id}`],
      ['email', 'reminder', {}, null],
      ['email', 'sign_in_link', {}, null],
      ['slack', 'approval_request', { to: 'channel', channel: '#ops' }, `approval_request:${r.approval}:channel:#ops`],
      ['slack', 'approval_request', { to: 'person' }, `approval_request:${r.approval}:${r.user_id}`],
      ['slack', 'decision_update', { message_id: r.message }, `decision_update:${r.message}:${r.event}`],
    ]);
    // What was sealed stays sealed where it moved; an empty set of headers is no secret.
    expect(after.map((d) => d.sealed)).toEqual([{ 'X-Token': 'abc' }, null, null, null, null, 'v1.sealed-token', null, null, null]);
    // A message of no event has no event type.
    expect(after.filter((d) => d.event_type === null).map((d) => d.kind)).toEqual(['reminder', 'sign_in_link']);
    // Every row is one its channel reads.
    for (const d of after) expect(SPECS[d.channel]!.kinds[d.kind]!.payload.safeParse(d.payload).success, `${d.channel}/${d.kind}`).toBe(true);
    const { rows: sent } = await db.query('SELECT id, channel, address FROM sent_messages');
    expect(sent).toEqual([{ id: r.message, channel: 'slack', address: { channel: 'C1', ts: '1.0001' } }]);
  } finally {
    await drop();
  }
}, 120_000);
